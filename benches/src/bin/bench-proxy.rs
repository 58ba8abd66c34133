//! The servers of the proxy load comparison (scripts/bench-proxy.sh):
//!
//! - `bench-proxy origin ADDR`: the origin, a bare hyper server answering every request with
//!   a small body and a `Set-Cookie`;
//! - `bench-proxy edgezero ADDR ORIGIN`: the proxy example (`examples/proxy`) on the native
//!   server, its `origin.base_url` pushed into a fresh config file;
//! - `bench-proxy edgezero-static ADDR ORIGIN`: the same proxy handler
//!   (`proxy_core::handlers::forward`) with the origin fixed at startup in router state, so
//!   no request reads config: the difference to `edgezero` is the per-request config check
//!   of `AppConfig` (one read of `config.version` from the SQLite file);
//! - `bench-proxy hyper ADDR ORIGIN`: a minimal hyper reverse proxy doing the same forwarding
//!   (`/api/<rest>` → `ORIGIN/<rest>?<query>`, hop-by-hop headers dropped,
//!   `x-forwarded-for/-host/-proto` set, `x-edge` added, bodies streamed) with hyper-util's
//!   pooled client.
//!
//! Every server uses 2 worker threads.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use edgezero_adapter_native::ServerConfig;
use edgezero_core::extract::ClientAddr;
use edgezero_core::extract::State;
use edgezero_core::fetch::Client;
use edgezero_core::App;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use proxy_core::handlers::forward;

const USAGE: &str =
    "usage: bench-proxy origin ADDR | bench-proxy edgezero|edgezero-static|hyper ADDR ORIGIN_URL | bench-proxy seed-config FILE ORIGIN_URL";
const ORIGIN_BODY: &str = "{\"id\":42,\"name\":\"an item from the origin\",\"tags\":[\"a\",\"b\"]}";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let ["seed-config", file, origin] = args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        // The embedded host's config row, as `edgezero config push --local` writes it.
        let conn = edgezero_spin_sqlite::open(std::path::Path::new(file)).expect("config file");
        edgezero_spin_sqlite::set(&conn, "app_config", "origin.base_url", origin.as_bytes())
            .expect("write origin.base_url");
        return;
    }
    let addr: SocketAddr = match args.get(1).and_then(|a| a.parse().ok()) {
        Some(addr) => addr,
        None => usage(),
    };
    match (args[0].as_str(), args.get(2)) {
        ("origin", None) => origin(addr),
        ("edgezero", Some(origin)) => edgezero(addr, origin),
        ("edgezero-static", Some(origin)) => edgezero_static(addr, origin),
        ("hyper", Some(origin)) => bare_proxy(addr, origin.trim_end_matches('/').to_string()),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Accepts connections on `addr` and serves each with `service` on the multi-thread runtime.
async fn serve<F, Fut>(addr: SocketAddr, service: F)
where
    F: Fn(http::Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut:
        std::future::Future<Output = http::Response<BoxBody<Bytes, hyper::Error>>> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let service = service.clone();
                async move { Ok::<_, Infallible>(service(req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn origin(addr: SocketAddr) {
    runtime().block_on(serve(addr, |_req| async {
        let mut resp = http::Response::new(
            Full::new(Bytes::from_static(ORIGIN_BODY.as_bytes()))
                .map_err(|never| match never {})
                .boxed(),
        );
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(
            header::SET_COOKIE,
            HeaderValue::from_static("seen=1; Path=/"),
        );
        resp
    }));
}

fn native_config(addr: SocketAddr, kv_path: std::path::PathBuf) -> ServerConfig {
    ServerConfig {
        addr,
        kv_path,
        max_body_bytes: 1 << 20,
        workers: 2,
        header_read_timeout: edgezero_adapter_native::DEFAULT_HEADER_READ_TIMEOUT,
        http_timeout: Duration::from_secs(30),
    }
}

fn edgezero(addr: SocketAddr, origin: &str) {
    let dir = std::env::temp_dir().join(format!("edgezero-bench-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let kv_path = dir.join("sqlite_key_value.db");
    let conn = edgezero_spin_sqlite::open(&kv_path).expect("config file");
    edgezero_spin_sqlite::set(&conn, "app_config", "origin.base_url", origin.as_bytes())
        .expect("push origin.base_url");
    drop(conn);
    // The example's edgezero.toml [environment], as `edgezero serve` passes it.
    std::env::set_var("EDGEZERO__CONFIG__VERSION_CHECK_MS", "1000");
    let (server, handle) = edgezero_adapter_native::bind(
        proxy_core::App::router().build(),
        proxy_core::App::stores(),
        native_config(addr, kv_path),
    )
    .expect("bind");
    server.serve(handle, std::future::pending()).expect("serve");
}

#[derive(Clone)]
struct FixedOrigin(String);

async fn fixed_api(
    State(FixedOrigin(origin)): State<FixedOrigin>,
    Client(http): Client,
    caller: Option<ClientAddr>,
    request: edgezero_core::Request,
) -> Result<edgezero_core::Response, edgezero_core::EdgeError> {
    let caller = caller.map(|ClientAddr(ip)| ip.to_string());
    forward(&http, &origin, caller.as_deref(), request).await
}

fn edgezero_static(addr: SocketAddr, origin: &str) {
    let router = edgezero_core::Router::new()
        .get("/api/{*rest}", fixed_api)
        .with_state(FixedOrigin(origin.to_string()));
    let (server, handle) = edgezero_adapter_native::bind(
        router,
        &edgezero_core::StoreMetadata::NONE,
        native_config(
            addr,
            std::env::temp_dir().join("edgezero-bench-proxy-unused.db"),
        ),
    )
    .expect("bind");
    server.serve(handle, std::future::pending()).expect("serve");
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in listed {
        headers.remove(name);
    }
    // The hop-by-hop list is a fact of HTTP, not framework code: the same list as the proxy's.
    for name in edgezero_core::fetch::HOP_BY_HOP {
        headers.remove(*name);
    }
}

fn bare_proxy(addr: SocketAddr, origin: String) {
    let client: HyperClient<HttpConnector, Incoming> =
        HyperClient::builder(TokioExecutor::new()).build(HttpConnector::new());
    let authority: HeaderValue = origin
        .trim_start_matches("http://")
        .parse()
        .expect("origin authority");
    runtime().block_on(serve(addr, move |req: http::Request<Incoming>| {
        let client = client.clone();
        let origin = origin.clone();
        let authority = authority.clone();
        async move {
            let (mut parts, body) = req.into_parts();
            let rest = parts.uri.path().strip_prefix("/api").unwrap_or("");
            let url = match parts.uri.query() {
                Some(q) => format!("{origin}{rest}?{q}"),
                None => format!("{origin}{rest}"),
            };
            let incoming_host = parts.headers.remove(header::HOST);
            strip_hop_by_hop(&mut parts.headers);
            parts
                .headers
                .insert("x-forwarded-for", HeaderValue::from_static("127.0.0.1"));
            if let Some(host) = incoming_host {
                parts.headers.insert("x-forwarded-host", host);
            }
            parts
                .headers
                .insert("x-forwarded-proto", HeaderValue::from_static("http"));
            parts.headers.insert(header::HOST, authority);
            parts.uri = url.parse().expect("origin URL");
            match client.request(http::Request::from_parts(parts, body)).await {
                Ok(resp) => {
                    let (mut parts, body) = resp.into_parts();
                    strip_hop_by_hop(&mut parts.headers);
                    parts
                        .headers
                        .insert("x-edge", HeaderValue::from_static("edgezero"));
                    http::Response::from_parts(parts, body.boxed())
                }
                Err(_) => {
                    let mut resp = http::Response::new(
                        Full::new(Bytes::from_static(b"bad gateway"))
                            .map_err(|never| match never {})
                            .boxed(),
                    );
                    *resp.status_mut() = http::StatusCode::BAD_GATEWAY;
                    resp
                }
            }
        }
    }));
}
