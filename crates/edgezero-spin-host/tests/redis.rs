//! `type = "redis"` stores against a real `redis-server` on loopback, including one that is
//! stopped and started again under a running app.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::redis_server::RedisServer;
use common::{Resp, Running, TestApp, COUNTER, KV_API, PROBE};

const KV_API_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "kv-api"

[variables]
api_token = { default = "", secret = true }

[[trigger.http]]
route = "/..."
component = "kv-api"

[component.kv-api]
source = "{source}"
key_value_stores = ["data", "app_config"]

[component.kv-api.variables]
api_token = "{{ api_token }}"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_api_round_trip_on_redis() {
    let redis = RedisServer::start();
    let app = TestApp::new(KV_API_TOML, KV_API).with_runtime_config(&format!(
        "[key_value_store.data]\ntype = \"redis\"\nurl = \"{url}\"\n\n[key_value_store.app_config]\ntype = \"redis\"\nurl = \"{url}\"\n",
        url = redis.url()
    ));
    let host = app.start().await;

    assert_eq!(host.get("/kv/greeting").await.status, 404);
    assert_eq!(host.send("HEAD", "/kv/greeting", b"").await.status, 404);
    let post = host.send("POST", "/kv/greeting", b"hello redis").await;
    assert_eq!(post.status, 201, "{}", post.text());
    assert_eq!(host.get("/kv/greeting").await.body, b"hello redis");
    assert_eq!(host.send("HEAD", "/kv/greeting", b"").await.status, 200);
    assert_eq!(redis.cli(&["GET", "greeting"]), "hello redis");

    for i in 0..12 {
        host.send("POST", &format!("/kv/p:{i:02}"), b"v").await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = host
            .get(&format!("/kv?prefix=p:&limit=5&cursor={cursor}"))
            .await
            .json();
        seen.extend(
            page["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string()),
        );
        match page["cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..12).map(|i| format!("p:{i:02}")).collect::<Vec<_>>()
    );

    assert_eq!(host.send("DELETE", "/kv/greeting", b"").await.status, 204);
    assert_eq!(host.get("/kv/greeting").await.status, 404);
    assert_eq!(redis.cli(&["EXISTS", "greeting"]), "0");
    assert_eq!(host.send("PUT", "/kv/t?ttl=120", b"v").await.status, 501);
    assert_eq!(redis.cli(&["EXISTS", "t"]), "0");

    // Config keys are read verbatim from the label's backend.
    redis.cli(&["SET", "service.timeout_ms", "2500"]);
    assert_eq!(
        host.get("/config/service.timeout_ms").await.json()["value"],
        "2500"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_contract_suite_on_redis_inside_the_component() {
    let redis = RedisServer::start();
    let spin_toml = "spin_manifest_version = 2\n[application]\nname = \"probe\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"probe\"\n[component.probe]\nsource = \"{source}\"\nkey_value_stores = [\"default\"]\n";
    let app = TestApp::new(spin_toml, PROBE).with_runtime_config(&format!(
        "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}\"\n",
        redis.url()
    ));
    let host = app.start().await;
    let resp = host.get("/contract/default").await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let failed: Vec<_> = resp
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] != true)
        .cloned()
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    host.stop().await;
    assert!(
        !app.default_db().exists(),
        "`default` redefined as Redis: no SQLite file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_is_a_store_error_not_a_crash() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let app = TestApp::new(KV_API_TOML, KV_API).with_runtime_config(&format!(
        "[key_value_store.data]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:{port}\"\n\n[key_value_store.app_config]\ntype = \"spin\"\n"
    ));
    let host = app.start().await;
    // Never reached: opening the label fails, as under Spin, and the store is unavailable.
    assert_unavailable(&host.get("/kv/x").await, "data");
    assert_unavailable(&host.send("POST", "/kv/x", b"v").await, "data");
    assert_eq!(host.get("/secret-check/api_token").await.status, 200);
    host.stop().await;
}

/// A 503 with the framework's JSON error naming only the logical store: nothing of the
/// Redis error, the address or the URL reaches the client (the log has them).
fn assert_unavailable(r: &Resp, store: &str) {
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(
        r.json(),
        serde_json::json!({"error": {
            "status": 503,
            "code": "unavailable",
            "message": format!("key-value store `{store}` is unavailable"),
        }}),
        "{}",
        r.text()
    );
    for internal in ["refused", "os error", "127.0.0.1", "redis", "pipe", "reset"] {
        assert!(!r.text().contains(internal), "{internal}: {}", r.text());
    }
}

/// Sends `method path body` until the status is `want` (the Redis client reconnects in the
/// background), for up to 20 s.
async fn until_status(host: &Running, method: &str, path: &str, body: &[u8], want: u16) -> Resp {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = host.send(method, path, body).await;
        if r.status == want || Instant::now() >= deadline {
            assert_eq!(r.status, want, "{method} {path}: {}", r.text());
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_goes_away_is_503_until_it_returns() {
    let mut redis = RedisServer::start();
    let app = TestApp::new(KV_API_TOML, KV_API).with_runtime_config(&format!(
        "[key_value_store.data]\ntype = \"redis\"\nurl = \"{}\"\n\n[key_value_store.app_config]\ntype = \"spin\"\n",
        redis.url()
    ));
    let host = app.start().await;
    assert_eq!(host.send("POST", "/kv/k", b"before").await.status, 201);
    assert_eq!(host.get("/kv/k").await.body, b"before");

    redis.stop();
    // Every kind of operation, twice: the first finds the connection gone, the next ones
    // find no server to reconnect to.
    for _ in 0..2 {
        assert_unavailable(&host.get("/kv/k").await, "data");
        assert_eq!(host.send("HEAD", "/kv/k", b"").await.status, 503);
        assert_unavailable(&host.send("POST", "/kv/k", b"during").await, "data");
        assert_unavailable(&host.send("DELETE", "/kv/k", b"").await, "data");
        assert_unavailable(&host.get("/kv?prefix=k").await, "data");
    }
    // Other stores of the app are not affected.
    assert_eq!(host.get("/secret-check/api_token").await.status, 200);

    // Back, empty (nothing was saved): the same app writes and reads again.
    redis.restart();
    until_status(&host, "POST", "/kv/k", b"after", 201).await;
    assert_eq!(host.get("/kv/k").await.body, b"after");
    assert_eq!(redis.cli(&["GET", "k"]), "after");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasi_keyvalue_atomics_on_a_redis_that_goes_away_are_503_until_it_returns() {
    // The counter increments and swaps through `wasi:keyvalue` (atomics).
    let mut redis = RedisServer::start();
    let spin_toml = "spin_manifest_version = 2\n[application]\nname = \"counter\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"counter\"\n[component.counter]\nsource = \"{source}\"\nkey_value_stores = [\"default\"]\n";
    let app = TestApp::new(spin_toml, COUNTER).with_runtime_config(&format!(
        "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}\"\n",
        redis.url()
    ));
    let host = app.start().await;
    let r = host.get("/counter").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["views"], 1);

    redis.stop();
    for _ in 0..2 {
        assert_unavailable(&host.get("/counter").await, "default");
    }

    redis.restart();
    let r = until_status(&host, "GET", "/counter", b"", 200).await;
    assert_eq!(r.json()["views"], 1, "a fresh server: {}", r.text());
    assert_eq!(host.get("/counter").await.json()["views"], 2);
    assert_eq!(redis.cli(&["GET", "views"]), "2");
    host.stop().await;
}
