//! The native outbound client against the loopback test origin: the shared HTTP client
//! contract suite, request bodies that fail mid-stream, and handlers reaching an origin
//! through the native server.

use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use edgezero_adapter_native::client::NativeHttp;
use edgezero_adapter_native::{bind, ServerConfig};
use edgezero_core::body::BoxError;
use edgezero_core::extract::State;
use edgezero_core::fetch::{Client, FetchError, HttpClient};
use edgezero_core::{Body, Bytes, EdgeError, Json, Router, StoreMetadata};
use edgezero_test_support::origin::{closed_url, Origin};
use edgezero_testkit::contract::{self, HttpClientTarget};

fn on_local_set<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio::task::LocalSet::new().block_on(&rt, f)
}

#[test]
fn the_native_client_passes_the_http_client_suite() {
    let origin = Origin::start();
    let short = Duration::from_millis(500);
    let results = on_local_set(async {
        let target = HttpClientTarget::new(
            Rc::new(NativeHttp::new(Duration::from_secs(30))),
            &origin.base_url(),
        )
        .with_short_timeout(Rc::new(NativeHttp::new(short)), short)
        .with_closed_url(&closed_url());
        contract::http_client_suite(&target).await
    });
    for case in ["http_timeouts", "http_connect_error"] {
        assert!(results.iter().any(|r| r.name == case), "{case} did not run");
    }
    contract::assert_all_passed(&results);
}

#[test]
fn a_request_body_that_fails_mid_stream_keeps_its_error() {
    let origin = Origin::start();
    let err = on_local_set(async {
        let chunks: Vec<Result<Bytes, BoxError>> = vec![
            Ok(Bytes::from_static(b"first chunk")),
            Err(Box::new(EdgeError::payload_too_large(11))),
        ];
        let req = http::Request::post(origin.url("/echo"))
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
        NativeHttp::new(Duration::from_secs(10))
            .send(req)
            .await
            .map(|r| r.status())
            .unwrap_err()
    });
    match err {
        FetchError::RequestBody(e) => assert_eq!(e.status(), 413),
        other => panic!("expected RequestBody(413), got {other:?}"),
    }
}

#[derive(Clone)]
struct OriginUrl(String);

async fn via_client(
    Client(http): Client,
    State(OriginUrl(origin)): State<OriginUrl>,
) -> Result<Json<serde_json::Value>, EdgeError> {
    Ok(Json(http.get_json(&format!("{origin}/health")).await?))
}

#[test]
fn handlers_of_the_native_server_reach_origins() {
    let origin = Origin::start();
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        kv_path: dir.path().join("kv.db"),
        max_body_bytes: 1024,
        workers: 1,
        header_read_timeout: Duration::from_secs(10),
        http_timeout: Duration::from_secs(10),
    };
    let router = Router::new()
        .get("/via", via_client)
        .with_state(OriginUrl(origin.base_url()));
    let (server, handle) = bind(router, &StoreMetadata::NONE, config).unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        server.serve(handle, async {
            let _ = stopped.await;
        })
    });
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET /via HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let _ = stop.send(());
    thread.join().unwrap().unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains(r#""status":"ok""#), "{out}");
    assert_eq!(origin.requests(), 1);
}
