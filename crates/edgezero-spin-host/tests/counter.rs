//! The counter example on the embedded host: state in Spin's SQLite file (or Redis), across
//! restarts, and not one view lost under 16 concurrent clients.

mod common;

use common::redis_server::RedisServer;
use common::{Running, TestApp, COUNTER};

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
    // While the host runs, the file is in write-ahead-log mode (format bytes 2 and 2).
    let header = std::fs::read(app.default_db()).unwrap();
    assert_eq!(&header[18..20], &[2, 2], "the host writes in the log");
    host.stop_and_close().await;

    let again = app.start().await;
    let r = again.get("/counter").await;
    assert_eq!(
        r.json(),
        serde_json::json!({"views": 6, "previous_request": "/counter"})
    );
    again.stop_and_close().await;

    // The host gave the file back in the rollback-journal mode Spin creates (it writes it
    // in write-ahead-log mode while it runs): file format bytes 1 and 1, no log left.
    let db = app.default_db();
    let header = std::fs::read(&db).unwrap();
    assert_eq!(&header[18..20], &[1, 1], "file left in WAL mode");
    let log = db.with_file_name("sqlite_key_value.db-wal");
    assert!(!log.exists(), "{} is left behind", log.display());

    // Spin's formats: the counter is 8 little-endian bytes, the path plain text.
    let rows = common::rows(&app.default_db(), "default");
    assert_eq!(
        rows,
        vec![
            ("previous-request".to_string(), b"/counter".to_vec()),
            ("views".to_string(), 6i64.to_le_bytes().to_vec()),
        ]
    );
}

/// A file deleted while the host writes it in write-ahead-log mode (where SQLite itself does
/// not notice): writes fail instead of being acknowledged into a file nobody reads, and the
/// old file's log is not left next to the next file, which would read it as its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_deleted_under_the_host_fails_writes_and_leaves_no_log_behind() {
    let app = TestApp::new(SPIN_TOML, COUNTER);
    let host = app.start().await;
    assert_eq!(host.get("/counter").await.json()["views"], 1);
    let db = app.default_db();
    std::fs::remove_file(&db).unwrap();
    let r = host.get("/counter").await;
    assert_eq!(r.status, 500, "a write to the deleted file: {}", r.text());
    host.stop_and_close().await;
    let log = db.with_file_name("sqlite_key_value.db-wal");
    assert!(!log.exists(), "{} is left behind", log.display());

    let again = app.start().await;
    let r = again.get("/counter").await;
    assert_eq!(r.json()["views"], 1, "a fresh file: {}", r.text());
    again.stop_and_close().await;
}

/// 16 clients × 100 requests: the views answered are exactly 1..=1600. The previous path is
/// swapped atomically; only the very first swaps, on an absent key, may race on Spin's
/// SQLite store (which writes an absent key with an upsert), so `exact_first` says whether
/// exactly one request may see none (Redis) or a few (SQLite).
async fn sixteen_clients_lose_nothing(host: &Running, exact_first: bool) {
    let addr = host.addr;
    let clients: Vec<_> = (0..16)
        .map(|c| {
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for i in 0..100 {
                    let path = format!("/counter?client={c}&i={i}");
                    let r = common::request(addr, "GET", &path, &[], b"").await;
                    assert_eq!(r.status, 200, "{}", r.text());
                    let j = r.json();
                    seen.push((
                        j["views"].as_i64().unwrap(),
                        j["previous_request"].as_str().unwrap().to_string(),
                    ));
                }
                seen
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in clients {
        all.extend(c.await.unwrap());
    }
    let mut views: Vec<i64> = all.iter().map(|(v, _)| *v).collect();
    views.sort_unstable();
    assert_eq!(
        views,
        (1..=1600).collect::<Vec<i64>>(),
        "views were lost or repeated"
    );
    let empty = all.iter().filter(|(_, p)| p.is_empty()).count();
    if exact_first {
        assert_eq!(empty, 1, "exactly one request saw no previous request");
    } else {
        assert!(
            (1..=16).contains(&empty),
            "{empty} requests saw no previous request"
        );
    }
    assert!(all.iter().all(|(_, p)| p.is_empty() || p == "/counter"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_concurrent_clients_lose_no_view_on_sqlite() {
    let app = TestApp::new(SPIN_TOML, COUNTER);
    let host = app.start().await;
    sixteen_clients_lose_nothing(&host, false).await;
    host.stop().await;
    let rows = common::rows(&app.default_db(), "default");
    assert!(rows.contains(&("views".to_string(), 1600i64.to_le_bytes().to_vec())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_concurrent_clients_lose_no_view_on_redis() {
    let redis = RedisServer::start();
    let app = TestApp::new(SPIN_TOML, COUNTER).with_runtime_config(&format!(
        "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}\"\n",
        redis.url()
    ));
    let host = app.start().await;
    let before = redis.connections_received();
    sixteen_clients_lose_nothing(&host, true).await;
    // 1600 increments and 1600 swaps share the pipelined connection and a pool of at most
    // one swap connection per client, not one connection per swap (+1: redis-cli's own).
    let opened = redis.connections_received() - before;
    assert!(
        opened <= 1 + 16 + 1,
        "{opened} connections for 1600 requests"
    );
    host.stop().await;
    assert_eq!(redis.cli(&["GET", "views"]), "1600");
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
    assert_eq!(views, (1..=40).collect::<Vec<u64>>());
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
