//! The proxy example natively, over real loopback HTTP, in front of the test origin (edgezero-test-support).

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::Gateway;
use edgezero_test_support::origin::{closed_url, Origin};
use edgezero_test_support::pattern::pattern;
use edgezero_test_support::wire::read_answer;

const TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn requests_and_answers_pass_through_with_proxy_headers() {
    let origin = Origin::start();
    let gw = Gateway::start(Some(&origin.base_url()), TIMEOUT);
    let answer = gw.send(
        "POST /api/echo/a%20b?x=1&y=two HTTP/1.1\r\nHost: edge.test\r\nX-Multi: 1\r\nX-Multi: 2\r\n\
         Connection: x-secret-hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\n\
         Proxy-Authorization: Basic abc\r\nX-Forwarded-For: 192.0.2.9",
        b"hello proxy",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("x-edge"), ["edgezero"]);
    assert_eq!(answer.header("x-origin"), ["edgezero-testkit"]);
    let echo = answer.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/echo/a%20b");
    assert_eq!(echo["query"], "x=1&y=two");
    assert_eq!(echo["body"], "hello proxy");
    assert_eq!(echo["body_len"], 11);
    let seen = |name: &str| -> Vec<String> {
        echo["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h[0] == name)
            .map(|h| h[1].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(seen("x-multi"), ["1", "2"]);
    assert_eq!(seen("host"), [origin.addr().to_string()]);
    assert_eq!(seen("x-forwarded-for"), ["192.0.2.9, 127.0.0.1"]);
    assert_eq!(seen("x-forwarded-host"), ["edge.test"]);
    assert_eq!(seen("x-forwarded-proto"), ["http"]);
    for hop in [
        "connection",
        "x-secret-hop",
        "keep-alive",
        "proxy-authorization",
    ] {
        assert!(seen(hop).is_empty(), "{hop} was forwarded: {echo}");
    }

    for method in ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let echo = gw
            .send(&format!("{method} /api/echo/m HTTP/1.1\r\nHost: e"), b"")
            .json();
        assert_eq!(echo["method"], method);
    }
    let head = gw.send("HEAD /api/status/200 HTTP/1.1\r\nHost: e", b"");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for code in [201, 404, 418, 503] {
        let answer = gw.get(&format!("/api/status/{code}"));
        assert_eq!(answer.status, code, "the origin's status passes through");
        assert_eq!(answer.json()["status"], code);
    }

    let cookies = gw.get("/api/cookies");
    assert_eq!(cookies.status, 200);
    assert_eq!(
        cookies.header("set-cookie"),
        ["a=1; Path=/", "b=2; HttpOnly", "c=3; Secure"]
    );
    assert!(cookies.header("x-origin-hop").is_empty());
    assert_eq!(cookies.text(), "three cookies");

    let status = gw.get("/status");
    assert_eq!(status.status, 200, "{}", status.text());
    let report = status.json();
    assert_eq!(report["origin"], origin.base_url());
    assert_eq!(report["healthy"], true);
    assert_eq!(report["status"], 200);
    assert!(report["latency_ms"].as_u64().unwrap() < 10_000, "{report}");
    // 1 echo + 5 methods + 1 HEAD + 4 statuses + cookies + health.
    assert_eq!(origin.requests(), 13);
}

#[test]
fn a_hanging_origin_is_504_within_the_timeout_and_a_stalled_body_is_cut() {
    let origin = Origin::start();
    let timeout = Duration::from_millis(700);
    let gw = Gateway::start(Some(&origin.base_url()), timeout);
    let started = Instant::now();
    let answer = gw.get("/api/hang");
    let took = started.elapsed();
    assert_eq!(answer.status, 504, "{}", answer.text());
    assert!(
        answer.text().contains("did not answer"),
        "{}",
        answer.text()
    );
    assert!(
        took >= Duration::from_millis(650) && took < timeout + Duration::from_secs(3),
        "504 after {took:?} with a {timeout:?} timeout"
    );

    // Headers and 1 KiB at once, then the origin pauses 10 s: the gateway gives up on the
    // body after the timeout and ends the response early instead of holding it.
    let started = Instant::now();
    let stalled = gw.get("/api/stream?bytes=2048&chunk=1024&delay_ms=10000");
    assert_eq!(stalled.status, 200);
    assert!(!stalled.complete, "the cut body must not look complete");
    assert_eq!(stalled.body.len(), 1024);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_body_the_origin_cuts_short_is_cut_short_for_the_client() {
    let origin = Origin::start();
    let gw = Gateway::start(Some(&origin.base_url()), TIMEOUT);
    let cut = gw.get("/api/stream?bytes=100000&chunk=10000&fail_after=25000");
    assert_eq!(cut.status, 200);
    assert!(!cut.complete, "the cut body must not look complete");
    assert!(cut.body.len() <= 25_000, "{} bytes", cut.body.len());
    assert_eq!(cut.body, pattern(0, cut.body.len()));
    assert_eq!(gw.get("/status").status, 200, "the gateway serves on");
}

#[test]
fn an_origin_on_a_closed_port_is_502_and_status_says_unhealthy() {
    let closed = closed_url();
    let gw = Gateway::start(Some(closed.trim_end_matches('/')), TIMEOUT);
    let answer = gw.get("/api/anything");
    assert_eq!(answer.status, 502, "{}", answer.text());
    assert_eq!(answer.json()["error"]["code"], "bad_gateway");
    let status = gw.get("/status");
    assert_eq!(status.status, 503);
    let report = status.json();
    assert_eq!(report["healthy"], false);
    assert!(report["status"].is_null());
    assert!(
        report["error"].as_str().unwrap().contains("127.0.0.1"),
        "{report}"
    );
}

#[test]
fn without_config_both_routes_are_503_naming_the_key() {
    let gw = Gateway::start(None, TIMEOUT);
    for path in ["/api/x", "/status"] {
        let answer = gw.get(path);
        assert_eq!(answer.status, 503, "{}", answer.text());
        assert!(answer.text().contains("origin"), "{}", answer.text());
    }
}

#[test]
fn uploads_past_the_body_limit_are_413_declared_or_streamed() {
    let origin = Origin::start();
    let gw = Gateway::start_with(Some(&origin.base_url()), TIMEOUT, 1 << 20);
    let big = vec![b'x'; 2 << 20];
    let declared = gw.send("POST /api/echo HTTP/1.1\r\nHost: e", &big);
    assert_eq!(declared.status, 413, "{}", declared.text());
    assert_eq!(
        origin.requests(),
        0,
        "a declared oversize body never leaves"
    );

    // Chunked: the gateway starts forwarding, then cuts the upload at the limit.
    let s = gw.connect();
    let writer = s.try_clone().unwrap();
    let feeder = std::thread::spawn(move || {
        let mut w = writer;
        let _ = w.write_all(
            b"POST /api/echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        );
        for _ in 0..32 {
            let chunk = vec![b'y'; 64 * 1024];
            if write!(w, "{:x}\r\n", chunk.len()).is_err()
                || w.write_all(&chunk).is_err()
                || w.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = w.write_all(b"0\r\n\r\n");
    });
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let streamed = read_answer(s, true).unwrap();
    let _ = feeder.join();
    assert_eq!(streamed.status, 413, "{}", streamed.text());
}
