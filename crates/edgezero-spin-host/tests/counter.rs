//! The counter example on the embedded host: state in Spin's SQLite file, across restarts.

mod common;

use common::{TestApp, COUNTER};

const SPIN_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "counter"

[[trigger.http]]
route = "/..."
component = "counter"

[component.counter]
source = "{source}"
key_value_stores = ["default"]
allowed_outbound_hosts = []
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_increase_and_survive_a_restart() {
    let app = TestApp::new(SPIN_TOML, COUNTER);

    let host = app.start().await;
    let first = host.get("/counter?x=1").await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(
        first.json(),
        serde_json::json!({"views": 1, "previous_request": ""})
    );
    for expected in 2..=5u64 {
        let r = host.get("/counter").await;
        assert_eq!(r.json()["views"], expected, "{}", r.text());
    }
    host.stop().await;

    let again = app.start().await;
    let r = again.get("/counter").await;
    assert_eq!(
        r.json(),
        serde_json::json!({"views": 6, "previous_request": "/counter"})
    );
    again.stop().await;

    let rows = common::rows(&app.default_db(), "default");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "app-data");
    let stored: serde_json::Value = serde_json::from_slice(&rows[0].1).unwrap();
    assert_eq!(stored["views"], 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_concurrent_requests() {
    let app = TestApp::new(
        &SPIN_TOML.replace("route = \"/...\"", "route = \"/counter\""),
        COUNTER,
    );
    let host = app.start().await;
    assert_eq!(host.get("/elsewhere").await.status, 404);
    let addr = host.addr;
    let requests = (0..40).map(|_| common::request(addr, "GET", "/counter", &[], b""));
    let responses = futures_join_all(requests).await;
    let mut views: Vec<u64> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()["views"].as_u64().unwrap()
        })
        .collect();
    views.sort_unstable();
    assert_eq!(views.len(), 40);
    assert!(*views.last().unwrap() <= 40);
    host.stop().await;
}

async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("request task"));
    }
    out
}
