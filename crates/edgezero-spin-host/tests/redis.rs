//! `type = "redis"` stores against a real `redis-server` on loopback.

mod common;

use std::net::TcpListener;

use common::redis_server::RedisServer;
use common::{TestApp, KV_API, PROBE};

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
    let r = host.get("/kv/x").await;
    assert_eq!(r.status, 500, "{}", r.text());
    assert!(
        !r.text().contains("refused"),
        "no internals leak: {}",
        r.text()
    );
    assert_eq!(host.get("/secret-check/api_token").await.status, 200);
    host.stop().await;
}
