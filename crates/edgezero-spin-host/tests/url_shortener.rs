//! The url-shortener example on the embedded host.

mod common;

use common::{request, TestApp, URL_SHORTENER};

const SPIN_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "url-shortener"

[[trigger.http]]
route = "/..."
component = "url-shortener"

[component.url-shortener]
source = "{source}"
key_value_stores = ["default"]
allowed_outbound_hosts = []
"#;

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_redirect_list_and_errors() {
    let app = TestApp::new(SPIN_TOML, URL_SHORTENER);
    let host = app.start().await;

    let created = request(
        host.addr,
        "POST",
        "/create",
        JSON,
        br#"{"url": "https://spinframework.dev/v3"}"#,
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text());
    let short = created.json()["short"].as_str().unwrap().to_string();
    assert_eq!(short.len(), 5);

    let open = host.get(&format!("/{short}")).await;
    assert_eq!(open.status, 308, "{}", open.text());
    assert_eq!(
        open.header("location"),
        Some("https://spinframework.dev/v3")
    );

    let all = host.get("/all").await;
    assert_eq!(
        all.json(),
        serde_json::json!({ "links": { short.clone(): "https://spinframework.dev/v3" }, "cursor": null })
    );

    let missing = host.get("/nope1").await;
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].is_object() || missing.json()["error"].is_string());

    let bad = request(host.addr, "POST", "/create", JSON, b"{bad").await;
    assert_eq!(bad.status, 400, "{}", bad.text());
    let _ = bad.json();
    let ftp = request(host.addr, "POST", "/create", JSON, br#"{"url": "ftp://x"}"#).await;
    assert_eq!(ftp.status, 400);

    host.stop().await;
    let rows = common::rows(&app.default_db(), "default");
    assert_eq!(
        rows,
        [(
            format!("link:{short}"),
            b"https://spinframework.dev/v3".to_vec()
        )]
    );
}

/// The example's own spin.toml, with `source` pointing at the built component.
fn example_spin_toml() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(
        root.join("examples/url-shortener/crates/url-shortener-adapter-spin/spin.toml"),
    )
    .unwrap();
    let source = text
        .lines()
        .find(|l| l.starts_with("source = "))
        .unwrap()
        .to_string();
    let text = text.replace(&source, "source = \"{source}\"");
    // The build section's command is relative to the example directory.
    text.split("[component.url-shortener.build]")
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_keeps_working_past_the_default_listing_cap() {
    let app = TestApp::new(&example_spin_toml(), URL_SHORTENER);
    // 1,500 links written straight into Spin's file, as a long-lived app would have them.
    {
        let db = app.default_db();
        std::fs::create_dir_all(db.parent().unwrap()).unwrap();
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE IF NOT EXISTS spin_key_value (store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key))").unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        for i in 0..1500 {
            tx.execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES ('default', ?1, ?2)",
                rusqlite::params![
                    format!("link:s{i:05}"),
                    format!("https://example.com/{i}").into_bytes()
                ],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let host = app.start().await;
    let mut cursor: Option<String> = None;
    let mut seen = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/all?limit=1000&cursor={c}"),
            None => "/all?limit=1000".to_string(),
        };
        let page = host.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let page = page.json();
        seen += page["links"].as_object().unwrap().len();
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, 1500);
    host.stop().await;
}
