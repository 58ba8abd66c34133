//! Outbound HTTP from a component, allowed exactly as Spin's `allowed_outbound_hosts`
//! allows it: an allowed origin is reached over real HTTP; any other request is denied with
//! `http-request-denied` and never reaches the network; invalid entries stop the host at
//! startup, naming the component and the entry.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{TestApp, PROBE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A loopback origin answering every request with its path; counts the requests.
async fn origin() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = head.split(' ').nth(1).unwrap_or("?").to_string();
                let body = format!("origin saw {path}");
                let _ = s
                    .write_all(format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes())
                    .await;
            });
        }
    });
    (port, hits)
}

fn spin_toml(allowed: &str) -> String {
    format!(
        r#"spin_manifest_version = 2

[application]
name = "host-probe"

[variables]
origin_port = {{ default = "1" }}

[[trigger.http]]
route = "/..."
component = "probe"

[component.probe]
source = "{{source}}"
allowed_outbound_hosts = [{allowed}]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_hosts_are_reached_and_others_denied() {
    let (port, hits) = origin().await;
    let (other_port, other_hits) = origin().await;
    // A `{{ variable }}` template, resolved at load from SPIN_VARIABLE_* / --variable.
    let app = TestApp::new(&spin_toml("\"http://127.0.0.1:{{ origin_port }}\""), PROBE);
    let mut up = edgezero_spin_host::UpOptions::default();
    up.variables.insert("origin_port".into(), port.to_string());
    let host = app.start_with(app.config().up(up)).await;
    let ok = host
        .get(&format!("/raw/fetch/127.0.0.1:{port}/hello"))
        .await
        .json();
    assert_eq!(ok["status"], 200, "{ok}");
    assert_eq!(ok["body"], "origin saw /hello");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let denied = host
        .get(&format!("/raw/fetch/127.0.0.1:{other_port}/x"))
        .await
        .json();
    assert!(
        denied["error"]
            .as_str()
            .unwrap()
            .contains("HttpRequestDenied"),
        "{denied}"
    );
    assert_eq!(
        other_hits.load(Ordering::SeqCst),
        0,
        "a denied request must not reach the network"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_wildcards_and_invalid_entries() {
    let (port, hits) = origin().await;
    let app = TestApp::new(&spin_toml("\"http://127.0.0.1:*\""), PROBE);
    let host = app.start().await;
    let ok = host
        .get(&format!("/raw/fetch/127.0.0.1:{port}/any"))
        .await
        .json();
    assert_eq!(ok["status"], 200, "{ok}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    host.stop().await;

    for (entry, says) in [
        ("\"127.0.0.1\"", "no scheme"),
        ("\"insecure:allow-all\"", "*://*:*"),
        ("\"https://exa*mple.com\"", "wildcard"),
    ] {
        let err = TestApp::new(&spin_toml(entry), PROBE).start_error().await;
        assert!(
            err.contains("component \"probe\"") && err.contains(says),
            "{entry}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portable_client_reaches_allowed_origins_and_maps_denials_to_502() {
    let (port, hits) = origin().await;
    let (other_port, other_hits) = origin().await;
    let app = TestApp::new(&spin_toml(&format!("\"http://127.0.0.1:{port}\"")), PROBE);
    let host = app.start().await;
    let ok = host
        .get(&format!("/client/127.0.0.1:{port}/through-core"))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["body"], "origin saw /through-core");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let denied = host.get(&format!("/client/127.0.0.1:{other_port}/x")).await;
    assert_eq!(denied.status, 502, "{}", denied.text());
    let text = denied.text();
    assert!(
        text.contains("127.0.0.1") && text.contains("allowed_outbound_hosts"),
        "{text}"
    );
    assert_eq!(other_hits.load(Ordering::SeqCst), 0);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_origin_is_a_504_after_edgezero_http_timeout_ms() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let toml = spin_toml(&format!("\"http://127.0.0.1:{port}\"")).replace(
        "allowed_outbound_hosts",
        "environment = { EDGEZERO__HTTP__TIMEOUT_MS = \"300\" }\nallowed_outbound_hosts",
    );
    let app = TestApp::new(&toml, PROBE);
    let host = app.start().await;
    let started = std::time::Instant::now();
    let res = host.get(&format!("/client/127.0.0.1:{port}/slow")).await;
    let took = started.elapsed();
    assert_eq!(res.status, 504, "{}", res.text());
    assert!(res.text().contains("300ms"), "{}", res.text());
    assert!(
        took < std::time::Duration::from_secs(10),
        "the timeout must end the request, took {took:?}"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spin_client_passes_the_client_contract_suite_in_the_component() {
    let origin = edgezero_test_support::origin::Origin::start();
    let closed = edgezero_test_support::origin::closed_url();
    let app = TestApp::new(&spin_toml("\"http://127.0.0.1:*\""), PROBE);
    let host = app.start().await;
    let res = host
        .get(&format!(
            "/client-suite?origin={}&closed={}",
            origin.base_url(),
            closed
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    common::assert_suite_passed(&res);
    assert!(origin.requests() > 10, "the suite ran against the origin");
    host.stop().await;
}
