//! examples/proxy on the embedded host over real HTTP, in front of a loopback origin:
//! requests and answers pass through intact, a hanging origin is a 504 within the
//! component's `EDGEZERO__HTTP__TIMEOUT_MS`, and an origin missing from
//! `allowed_outbound_hosts` is a 502 naming the entry to add, without reaching it.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::proxy::{start, start_for};
use edgezero_test_support::origin::Origin;
use edgezero_test_support::pattern::pattern;
use edgezero_test_support::wire::send;
use edgezero_test_support::wire::Answer;

async fn call(addr: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let (head, body) = (head.to_string(), body.to_vec());
    tokio::task::spawn_blocking(move || send(addr, &head, &body))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_answers_pass_through_intact() {
    let origin = Origin::start();
    let (_app, host) = start_for(&origin, Duration::from_secs(10)).await;
    let echo = call(
        host.addr,
        "POST /api/echo/a/b?x=1&y=two HTTP/1.1\r\nHost: edge.test\r\nX-Custom: v1\r\nX-Custom: v2\r\nKeep-Alive: timeout=5\r\nContent-Type: text/plain",
        b"hello origin",
    )
    .await;
    assert_eq!(echo.status, 200, "{}", echo.text());
    assert_eq!(echo.header("x-edge"), ["edgezero"]);
    let length = echo.body.len().to_string();
    assert_eq!(
        echo.header("content-length"),
        [length.as_str()],
        "the origin's content-length reaches the client, and the host holds the body to it"
    );
    let seen = echo.json();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/echo/a/b");
    assert_eq!(seen["query"], "x=1&y=two");
    assert_eq!(seen["body"], "hello origin");
    let headers: Vec<(String, String)> = serde_json::from_value(seen["headers"].clone()).unwrap();
    let values = |name: &str| -> Vec<&str> {
        headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(values("x-custom"), ["v1", "v2"]);
    assert!(
        values("keep-alive").is_empty(),
        "hop-by-hop headers are dropped"
    );
    assert_eq!(values("x-forwarded-host"), ["edge.test"]);
    assert_eq!(values("x-forwarded-proto"), ["http"]);
    assert_eq!(
        values("x-forwarded-for"),
        ["127.0.0.1"],
        "the caller, from the spin-client-addr header the component saw"
    );
    assert!(
        headers.iter().all(|(k, _)| !k.starts_with("spin-")),
        "Spin's routing headers stay at the edge: {headers:?}"
    );

    let cookies = call(host.addr, "GET /api/cookies HTTP/1.1\r\nHost: e", b"").await;
    assert_eq!(cookies.status, 200);
    assert_eq!(
        cookies.header("set-cookie"),
        ["a=1; Path=/", "b=2; HttpOnly", "c=3; Secure"]
    );
    assert!(cookies.header("x-origin-hop").is_empty());
    for code in [201, 404, 503] {
        let answer = call(
            host.addr,
            &format!("GET /api/status/{code} HTTP/1.1\r\nHost: e"),
            b"",
        )
        .await;
        assert_eq!(answer.status, code);
    }
    let status = call(host.addr, "GET /status HTTP/1.1\r\nHost: e", b"").await;
    assert_eq!(status.status, 200, "{}", status.text());
    assert_eq!(status.json()["healthy"], true);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_origin_is_a_504_within_the_timeout() {
    let origin = Origin::start();
    let timeout = Duration::from_millis(700);
    let (_app, host) = start_for(&origin, timeout).await;
    let started = Instant::now();
    let answer = call(host.addr, "GET /api/hang HTTP/1.1\r\nHost: e", b"").await;
    let took = started.elapsed();
    assert_eq!(answer.status, 504, "{}", answer.text());
    assert!(
        took >= Duration::from_millis(600) && took < timeout + Duration::from_secs(5),
        "504 after {took:?} with a {timeout:?} timeout"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_not_allowed_is_a_502_naming_the_entry_and_never_reached() {
    let origin = Origin::start();
    // spin.toml allows another port of the same host.
    let (_app, host) = start(&origin.base_url(), "127.0.0.1:1", Duration::from_secs(5)).await;
    let answer = call(host.addr, "GET /api/echo HTTP/1.1\r\nHost: e", b"").await;
    assert_eq!(answer.status, 502, "{}", answer.text());
    let entry = format!("http://{}", origin.addr());
    assert!(answer.text().contains(&entry), "{}", answer.text());
    assert_eq!(
        origin.requests(),
        0,
        "a denied request must not reach the origin"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_the_origin_cuts_short_is_cut_short_for_the_client() {
    let origin = Origin::start();
    let (_app, host) = start_for(&origin, Duration::from_secs(10)).await;
    let answer = call(
        host.addr,
        "GET /api/stream?bytes=100000&chunk=10000&fail_after=25000 HTTP/1.1\r\nHost: e",
        b"",
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(
        !answer.complete,
        "a cut body must not end cleanly: {} bytes",
        answer.body.len()
    );
    assert!(answer.body.len() <= 25_000, "{} bytes", answer.body.len());
    assert_eq!(answer.body, pattern(0, answer.body.len()));
    let status = call(host.addr, "GET /status HTTP/1.1\r\nHost: e", b"").await;
    assert_eq!(status.status, 200, "the host serves on: {}", status.text());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_headers_the_host_refuses_are_a_json_500_without_details() {
    let origin = Origin::start();
    let (_app, host) = start_for(&origin, Duration::from_secs(10)).await;
    // wasi:http hosts cap a response's headers (128 KiB in wasmtime and Spin).
    let answer = call(
        host.addr,
        "GET /api/big-header?bytes=200000 HTTP/1.1\r\nHost: e",
        b"",
    )
    .await;
    assert_eq!(answer.status, 500, "{}", answer.text());
    assert_eq!(answer.first("content-type"), Some("application/json"));
    let error = &answer.json()["error"];
    assert_eq!(error["code"], "internal");
    assert_eq!(error["message"], "internal server error");
    let fits = call(
        host.addr,
        "GET /api/big-header?bytes=60000 HTTP/1.1\r\nHost: e",
        b"",
    )
    .await;
    assert_eq!(fits.status, 200);
    assert_eq!(fits.first("x-big").map(str::len), Some(60_000));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_mid_download_stops_the_proxied_stream() {
    use std::io::{Read, Write};
    let origin = std::sync::Arc::new(Origin::start());
    let (_app, host) = start_for(&origin, Duration::from_secs(10)).await;
    let addr = host.addr;
    let watched = std::sync::Arc::clone(&origin);
    tokio::task::spawn_blocking(move || {
        let mut s = edgezero_test_support::wire::connect(addr);
        // About 64 MB/s for 15 s: far more than this client reads before it hangs up.
        s.write_all(
            b"GET /api/stream?bytes=1000000000&chunk=65536&delay_ms=1 HTTP/1.1\r\nHost: e\r\n\r\n",
        )
        .unwrap();
        let mut buf = vec![0u8; 256 * 1024];
        let mut got = 0;
        while got < 1 << 20 {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "the download ended after {got} bytes");
            got += n;
        }
        assert_eq!(watched.open_streams(), 1, "the origin is sending");
    })
    .await
    .unwrap();
    // The host ends the request's guest task when its client leaves, which drops the body
    // the component was pulling from the origin: the origin stops sending.
    let deadline = Instant::now() + Duration::from_secs(5);
    while origin.open_streams() != 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        origin.open_streams(),
        0,
        "the proxied body was still being pulled from the origin 5 s after the client left"
    );
    for _ in 0..5 {
        let status = call(host.addr, "GET /status HTTP/1.1\r\nHost: e", b"").await;
        assert_eq!(status.status, 200, "{}", status.text());
    }
    host.stop().await;
}

/// What the Spin adapter strips before answering is exactly what the host refuses: a name
/// missing from the adapter's list would turn a whole response into a 500.
#[test]
fn the_adapter_strips_exactly_the_headers_wasi_http_forbids() {
    let mut adapter: Vec<&str> =
        edgezero_adapter_spin::response::FORBIDDEN_RESPONSE_HEADERS.to_vec();
    let forbidden = wasmtime_wasi_http::DEFAULT_FORBIDDEN_HEADERS;
    let mut host: Vec<&str> = forbidden.iter().map(|name| name.as_str()).collect();
    adapter.sort_unstable();
    host.sort_unstable();
    assert_eq!(adapter, host);
}
