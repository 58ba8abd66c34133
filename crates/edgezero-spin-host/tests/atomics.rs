//! `wasi:keyvalue` (store, atomics, batch) in the embedded host, through spin-sdk's own
//! bindings in the host-probe component, over real HTTP: on Spin's SQLite file and on a real
//! `redis-server`, on the same rows and keys as `spin:key-value`, and without losing an
//! update under concurrent requests.

mod common;

use common::redis_server::RedisServer;
use common::{request, Running, TestApp, PROBE};

const SPIN_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "host-probe"

[[trigger.http]]
route = "/..."
component = "probe"

[component.probe]
source = "{source}"
key_value_stores = ["default", "second"]
"#;

fn rc_sqlite() -> String {
    "[key_value_store.second]\ntype = \"spin\"\npath = \"second.db\"\n".to_string()
}

fn rc_redis(url: &str) -> String {
    format!("[key_value_store.default]\ntype = \"redis\"\nurl = \"{url}\"\n[key_value_store.second]\ntype = \"spin\"\n")
}

async fn json(host: &Running, path: &str) -> serde_json::Value {
    let r = host.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

/// 16 clients × 100 increments: every value 1..=1600 answered exactly once.
async fn no_lost_increments(host: &Running, label: &str) {
    let addr = host.addr;
    let path = format!("/raw/wkv/incr/{label}/hits/1");
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let path = path.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..100 {
                    let r = request(addr, "GET", &path, &[], b"").await;
                    assert_eq!(r.status, 200, "{}", r.text());
                    seen.push(r.json()["value"].as_i64().expect("a value"));
                }
                seen
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in clients {
        all.extend(c.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=1600).collect::<Vec<i64>>(),
        "lost or repeated increments"
    );
}

async fn semantics(host: &Running, label: &str) {
    assert_eq!(
        json(host, &format!("/raw/wkv/open/{label}")).await["result"],
        "ok"
    );
    assert_eq!(
        json(host, "/raw/wkv/open/unlisted").await["result"],
        "access-denied"
    );
    assert_eq!(
        json(host, &format!("/raw/wkv/incr/{label}/n/5")).await["value"],
        5
    );
    assert_eq!(
        json(host, &format!("/raw/wkv/incr/{label}/n/-7")).await["value"],
        -2
    );
    // Compare-and-swap: absent → set; wrong expected → not swapped; right → swapped.
    assert_eq!(
        json(host, &format!("/raw/wkv/cas/{label}/c/-/one")).await["swapped"],
        true
    );
    let r = json(host, &format!("/raw/wkv/cas/{label}/c/zzz/two")).await;
    assert_eq!(r["swapped"], false);
    assert_eq!(r["current"], serde_json::json!(b"one".to_vec()));
    assert_eq!(
        json(host, &format!("/raw/wkv/cas/{label}/c/one/two")).await["swapped"],
        true
    );
    // Exchange (the benchmark's compare-and-swap loop): answers what it replaced.
    let x = format!("/raw/wkv/xchg/{label}/x");
    assert_eq!(
        json(host, &format!("{x}/first")).await["replaced"],
        serde_json::Value::Null
    );
    assert_eq!(
        json(host, &format!("{x}/second")).await["replaced"],
        "first"
    );
    let batch = json(host, &format!("/raw/wkv/batch/{label}")).await;
    assert_eq!(
        batch["got"],
        serde_json::json!([["a", b"1".to_vec()], ["b", b"2".to_vec()]]),
        "get-many answers the keys that exist"
    );
    assert_eq!(batch["after"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_counters_are_spins_eight_bytes_both_ways() {
    let app = TestApp::new(SPIN_TOML, PROBE).with_runtime_config(&rc_sqlite());
    let host = app.start().await;
    semantics(&host, "second").await;
    assert_eq!(
        json(&host, "/raw/wkv/incr/default/views/1600").await["value"],
        1600
    );
    // The row, read through spin:key-value, is the 8 little-endian bytes.
    let bytes = json(&host, "/raw/bytes/default/views").await["bytes"].clone();
    assert_eq!(bytes, serde_json::json!(1600i64.to_le_bytes().to_vec()));
    // And in the file itself.
    let rows = common::rows(&app.default_db(), "default");
    assert!(rows.contains(&("views".to_string(), 1600i64.to_le_bytes().to_vec())));
    // A counter written through spin:key-value is incremented.
    let hex: String = 41i64
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json(&host, &format!("/raw/setbytes/default/other/{hex}")).await;
    assert_eq!(
        json(&host, "/raw/wkv/incr/default/other/1").await["value"],
        42
    );
    // A value that is not 8 bytes is an error for the guest, not a host crash.
    json(&host, "/raw/setbytes/default/text/68656c6c6f").await;
    let r = json(&host, "/raw/wkv/incr/default/text/1").await;
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("not an 8-byte counter"),
        "{r}"
    );
    assert_eq!(
        json(&host, "/raw/wkv/incr/default/after/1").await["value"],
        1
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_atomic_contract_suite_passes_inside_the_component() {
    let app = TestApp::new(SPIN_TOML, PROBE).with_runtime_config(&rc_sqlite());
    let host = app.start().await;
    for _ in 0..2 {
        common::assert_suite_passed(&host.get("/atomic/default").await);
        common::assert_suite_passed(&host.get("/atomic/second").await);
    }
    host.stop().await;
    let redis = RedisServer::start();
    let app = TestApp::new(SPIN_TOML, PROBE).with_runtime_config(&rc_redis(&redis.url()));
    let host = app.start().await;
    common::assert_suite_passed(&host.get("/atomic/default").await);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_increments_under_concurrency_lose_nothing() {
    let app = TestApp::new(SPIN_TOML, PROBE).with_runtime_config(&rc_sqlite());
    let host = app.start().await;
    no_lost_increments(&host, "default").await;
    let rows = common::rows(&app.default_db(), "default");
    assert!(rows.contains(&("hits".to_string(), 1600i64.to_le_bytes().to_vec())));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_atomics_use_incrby_and_watch() {
    let redis = RedisServer::start();
    let app = TestApp::new(SPIN_TOML, PROBE).with_runtime_config(&rc_redis(&redis.url()));
    let host = app.start().await;
    semantics(&host, "default").await;
    no_lost_increments(&host, "default").await;
    assert_eq!(
        redis.cli(&["GET", "hits"]),
        "1600",
        "Redis keeps INCRBY's decimal text"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_updates_by_compare_and_swap_lose_nothing_under_16_clients() {
    let app = TestApp::new(SPIN_TOML, PROBE).with_runtime_config(&rc_sqlite());
    let host = app.start().await;
    let addr = host.addr;
    // The document exists before the load: on Spin's SQLite store a compare-and-swap that
    // finds the key absent writes with an upsert, so racing creations are not exact.
    assert_eq!(
        request(addr, "POST", "/bump/default", &[], b"")
            .await
            .status,
        200
    );
    let clients: Vec<_> = (0..16)
        .map(|_| {
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..100 {
                    let r = request(addr, "POST", "/bump/default", &[], b"").await;
                    assert_eq!(r.status, 200, "{}", r.text());
                    seen.push(r.json()["n"].as_u64().unwrap());
                }
                seen
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in clients {
        all.extend(c.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (2..=1601).collect::<Vec<u64>>(),
        "JSON updates were lost"
    );
    host.stop().await;
}
