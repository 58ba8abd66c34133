//! The host under hostile and unusual load, over real HTTP: instances are really reused,
//! a request timeout ends a guest that never returns, declared bodies over the limit are
//! refused at once, and connections that dribble their headers are closed.
//! (`looping_guest.rs` runs guests that loop forever, in a process of their own.)

mod common;

use std::time::{Duration, Instant};

use common::{probe_toml, request, TestApp, PROBE};

/// The probe with the `default` store and a 1 MiB body limit.
fn probe_app() -> TestApp {
    TestApp::new(
        &probe_toml(
            "key_value_stores = [\"default\"]\nenvironment = { EDGEZERO__ADAPTER__MAX_BODY_BYTES = \"1048576\" }",
        ),
        PROBE,
    )
}
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_are_reused_up_to_128_requests_then_replaced() {
    // Each answer names its instance and how many requests that instance has served. The
    // host may start extra instances when one is busy, so the test follows every instance:
    // counts rise one by one (the same instance really served them), none passes 128, and an
    // instance that reached 128 never answers again.
    let app = probe_app();
    let host = app.start().await;
    let mut served: std::collections::HashMap<String, u64> = Default::default();
    let mut retired: Option<String> = None;
    let mut after_retirement = 0;
    for i in 0..3000 {
        let r = host.get("/raw/instance").await.json();
        let id = r["instance"].as_str().unwrap().to_string();
        let n = r["served"].as_u64().unwrap();
        let last = served.insert(id.clone(), n).unwrap_or(0);
        assert_eq!(
            n,
            last + 1,
            "instance {id} skipped from {last} to {n} (request {i})"
        );
        assert!(n <= 128, "instance {id} served {n} requests");
        assert_ne!(
            retired.as_ref(),
            Some(&id),
            "instance {id} answered after its 128th request"
        );
        if n == 128 {
            retired = Some(id);
        } else if retired.is_some() {
            after_retirement += 1;
            if after_retirement == 20 {
                break;
            }
        }
    }
    assert!(
        retired.is_some(),
        "no instance reached 128 requests: {served:?}"
    );
    assert_eq!(after_retirement, 20);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_timeout_ends_a_looping_guest_with_a_500() {
    let app = probe_app();
    let host = app
        .start_with(
            app.config()
                .request_timeout(Some(Duration::from_millis(500))),
        )
        .await;
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(30), host.get("/raw/spin"))
        .await
        .expect("the timeout did not end the request");
    assert_eq!(r.status, 500);
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(host.get("/raw/var/message").await.status, 200);
    drop(host);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_body_over_the_limit_is_refused_at_once() {
    let app = probe_app();
    let host = app.start().await;
    let mut conns = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(host.addr).await.unwrap();
        s.write_all(
            b"POST /contract/default HTTP/1.1\r\nhost: x\r\ncontent-length: 10737418240\r\n\r\n",
        )
        .await
        .unwrap();
        conns.push(s);
    }
    for mut s in conns {
        let mut buf = vec![0u8; 512];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("no answer to a 10 GiB Content-Length")
            .unwrap();
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with("HTTP/1.1 413"), "{head}");
        assert!(head.contains("1048576"), "{head}");
    }
    // Within the limit, the request reaches the component.
    let r = request(host.addr, "POST", "/raw/var/message", &[], &[b'x'; 1000]).await;
    assert_eq!(r.status, 200);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_finish_their_headers_are_closed() {
    let app = probe_app();
    let host = app
        .start_with(app.config().header_read_timeout(Duration::from_millis(300)))
        .await;
    let mut slow = TcpStream::connect(host.addr).await.unwrap();
    slow.write_all(b"GET /raw/var/message HTTP/1.1\r\nhost: x\r\nx-slow: ")
        .await
        .unwrap();
    // Another client is served meanwhile.
    assert_eq!(host.get("/raw/var/message").await.status, 200);
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(
        closed.is_ok(),
        "the slow connection is still open after 5 s"
    );
    host.stop().await;
}
