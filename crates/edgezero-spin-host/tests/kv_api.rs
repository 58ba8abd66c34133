//! The kv-api example on the embedded host: KV semantics, listing caps, label remapping,
//! config read from Spin's table, secrets from `SPIN_VARIABLE_*`.

mod common;

use std::sync::Once;

use common::{TestApp, KV_API};

const RUNTIME_CONFIG: &str = r#"
[key_value_store.data]
type = "spin"
path = ".spin/sqlite_key_value.db"

[key_value_store.app_config]
type = "spin"
path = ".spin/sqlite_key_value.db"
"#;

/// The example's spin.toml, with `{environment}` for the component's `EDGEZERO__*` settings.
fn spin_toml(environment: &str, labels: &str) -> String {
    format!(
        r#"spin_manifest_version = 2

[application]
name = "kv-api"

[variables]
api_token = {{ default = "", secret = true }}

[[trigger.http]]
route = "/..."
component = "kv-api"

[component.kv-api]
source = "{{source}}"
key_value_stores = [{labels}]
allowed_outbound_hosts = []
environment = {{ {environment} }}

[component.kv-api.variables]
api_token = "{{{{ api_token }}}}"
"#
    )
}

fn app(environment: &str) -> TestApp {
    TestApp::new(&spin_toml(environment, r#""data", "app_config""#), KV_API)
        .with_runtime_config(RUNTIME_CONFIG)
}

/// The secret the kv-api app checks, set the way a user sets it for `spin up`. Set once,
/// before any host of this test binary reads the environment.
fn set_secret() {
    static SET: Once = Once::new();
    SET.call_once(|| std::env::set_var("SPIN_VARIABLE_API_TOKEN", "s3cr3t"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_ttl_and_secrets() {
    set_secret();
    let app = app("");
    let host = app.start().await;

    assert_eq!(host.get("/kv/a/b").await.status, 404);
    assert_eq!(host.send("HEAD", "/kv/a/b", b"").await.status, 404);
    let post = host.send("POST", "/kv/a/b", b"hello \x00\xff").await;
    assert_eq!(post.status, 201, "{}", post.text());
    let got = host.get("/kv/a/b").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, b"hello \x00\xff");
    assert_eq!(host.send("HEAD", "/kv/a/b", b"").await.status, 200);
    assert_eq!(host.send("DELETE", "/kv/a/b", b"").await.status, 204);
    assert_eq!(host.get("/kv/a/b").await.status, 404);

    let ttl = host.send("PUT", "/kv/t?ttl=120", b"v").await;
    assert_eq!(ttl.status, 501, "{}", ttl.text());
    assert!(
        ttl.text().contains("ttl") || ttl.text().contains("TTL"),
        "{}",
        ttl.text()
    );
    assert_eq!(host.get("/kv/t").await.status, 404);
    assert_eq!(host.send("PUT", "/kv/t", b"v").await.status, 201);

    let secret = host.get("/secret-check/api_token").await;
    assert_eq!(
        secret.json(),
        serde_json::json!({"name": "api_token", "set": true})
    );
    assert!(!secret.text().contains("s3cr3t"));

    host.stop().await;
    let rows = common::rows(&app.dir.path().join(".spin/sqlite_key_value.db"), "data");
    assert_eq!(rows, [("t".to_string(), b"v".to_vec())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_pages_every_key_once_and_is_capped() {
    set_secret();
    let app = app(r#"EDGEZERO__STORES__KV__DATA__MAX_LIST_KEYS = "80""#);
    let host = app.start().await;
    for i in 0..60 {
        let r = host.send("POST", &format!("/kv/p:{i:02}"), b"v").await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    for i in 0..5 {
        host.send("POST", &format!("/kv/q:{i}"), b"v").await;
    }

    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..20 {
        let page = host
            .get(&format!("/kv?prefix=p:&limit=7&cursor={cursor}"))
            .await;
        assert_eq!(page.status, 200, "{}", page.text());
        let page = page.json();
        let keys = page["keys"].as_array().unwrap();
        assert!(keys.len() <= 7);
        seen.extend(keys.iter().map(|k| k.as_str().unwrap().to_string()));
        match page["cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let expected: Vec<String> = (0..60).map(|i| format!("p:{i:02}")).collect();
    assert_eq!(seen, expected, "every key exactly once, in order");

    // The cap counts the keys matching the prefix.
    for i in 60..90 {
        host.send("POST", &format!("/kv/p:{i:02}"), b"v").await;
    }
    let over = host.get("/kv?prefix=p:").await;
    assert_eq!(over.status, 503, "{}", over.text());
    assert!(
        over.text()
            .contains("EDGEZERO__STORES__KV__DATA__MAX_LIST_KEYS"),
        "{}",
        over.text()
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remapped_label_and_config_from_spin_rows() {
    set_secret();
    let runtime_config = format!(
        "{RUNTIME_CONFIG}\n[key_value_store.remapped]\ntype = \"spin\"\npath = \".spin/sqlite_key_value.db\"\n"
    );
    let app = TestApp::new(
        &spin_toml(
            r#"EDGEZERO__STORES__KV__DATA__NAME = "remapped""#,
            r#""remapped", "app_config""#,
        ),
        KV_API,
    )
    .with_runtime_config(&runtime_config);

    // A config value written with Spin's own upsert, as `spin` or `edgezero config push
    // --local` would write it.
    let db = app.dir.path().join(".spin/sqlite_key_value.db");
    let conn = edgezero_spin_sqlite::open(&db).unwrap();
    edgezero_spin_sqlite::set(&conn, "app_config", "service.timeout_ms", b"2500").unwrap();
    edgezero_spin_sqlite::set(&conn, "app_config", "greeting", "héllo, world".as_bytes()).unwrap();
    drop(conn);

    let host = app.start().await;
    assert_eq!(host.send("POST", "/kv/moved", b"here").await.status, 201);
    let config = host.get("/config/service.timeout_ms").await;
    assert_eq!(
        config.json(),
        serde_json::json!({"key": "service.timeout_ms", "value": "2500"})
    );
    assert_eq!(
        host.get("/config/greeting").await.json()["value"],
        "héllo, world"
    );
    assert_eq!(host.get("/config/missing").await.status, 404);
    host.stop().await;

    assert_eq!(
        common::rows(&db, "remapped"),
        [("moved".to_string(), b"here".to_vec())]
    );
    assert!(common::rows(&db, "data").is_empty());
}

/// `AppConfig<Settings>` on Spin: typed entries from Spin's table, the `#[secret]` resolved
/// from the Spin variable it names, 503s naming the dotted key, and the secret's value never
/// in a response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_settings_with_a_secret_on_spin() {
    let seeded = |entries: &[(&str, &str)]| {
        let app = app("");
        let db = app.dir.path().join(".spin/sqlite_key_value.db");
        let conn = edgezero_spin_sqlite::open(&db).unwrap();
        for (k, v) in entries {
            edgezero_spin_sqlite::set(&conn, "app_config", k, v.as_bytes()).unwrap();
        }
        app
    };
    let up = || {
        let mut up = edgezero_spin_host::UpOptions::default();
        up.variables
            .insert("api_token".into(), "t0p-s3cret-value".into());
        up
    };
    let app = seeded(&[
        ("greeting", "hello from config"),
        ("service.timeout_ms", "2500"),
        ("api_token", "API_TOKEN"),
    ]);
    let host = app.start_with(app.config().up(up())).await;
    let settings = host.get("/settings").await;
    assert_eq!(settings.status, 200, "{}", settings.text());
    assert_eq!(
        settings.json(),
        serde_json::json!({"greeting": "hello from config", "timeout_ms": 2500, "api_token_set": true})
    );
    assert!(!settings.text().contains("t0p-s3cret-value"));
    host.stop().await;

    // A missing entry (here the whole `service` table) and a mistyped one are 503s naming
    // the dotted key.
    for (entries, key) in [
        (
            &[("greeting", "hi"), ("api_token", "API_TOKEN")][..],
            "`service`",
        ),
        (
            &[
                ("greeting", "hi"),
                ("service.timeout_ms", "soon"),
                ("api_token", "API_TOKEN"),
            ][..],
            "service.timeout_ms",
        ),
    ] {
        let app = seeded(entries);
        let host = app.start_with(app.config().up(up())).await;
        let r = host.get("/settings").await;
        assert_eq!(r.status, 503, "{}", r.text());
        assert!(r.text().contains(key), "{}", r.text());
        assert!(!r.text().contains("t0p-s3cret-value"));
        host.stop().await;
    }
}
