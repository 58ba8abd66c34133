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
        serde_json::json!({ short.clone(): "https://spinframework.dev/v3" })
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
