//! The kv-explorer component on the embedded host, its credentials pre-seeded as with
//! `spin up --key-value kv-credentials=...`: refused without credentials, basic auth and
//! cross-site checks over HTTP, the listing cap reported to the page, and the page itself
//! in a headless Chromium (log in, page, add, delete).

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{request, Running, TestApp, KV_EXPLORER};
use edgezero_spin_host::UpOptions;
use edgezero_test_support::browser::{Browser, BrowserError, Locator};

const CREDENTIALS: &str = "admin:correct horse";
/// The listing cap, set low so that the whole store is over it and `fruit:0` is not.
const CAP: usize = 10;

fn spin_toml() -> String {
    format!(
        r#"spin_manifest_version = 2

[application]
name = "kv-explorer"

[[trigger.http]]
route = "/internal/kv-explorer/..."
component = "kv-explorer"

[component.kv-explorer]
source = "{{source}}"
key_value_stores = ["default"]
allowed_outbound_hosts = []
environment = {{ EDGEZERO__STORES__KV__DEFAULT__MAX_LIST_KEYS = "{CAP}" }}
"#
    )
}

/// Starts the explorer with `key_values` pre-seeded in `default`.
async fn start(app: &TestApp, key_values: Vec<(String, String)>) -> Running {
    let up = UpOptions {
        key_values,
        ..UpOptions::default()
    };
    app.start_with(app.config().up(up)).await
}

fn basic(user_pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(user_pass))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_the_explorer_is_closed() {
    let app = TestApp::new(&spin_toml(), KV_EXPLORER);
    let host = start(&app, vec![("other".into(), "x".into())]).await;
    let page = host.get("/internal/kv-explorer/").await;
    assert_eq!(page.status, 403, "{}", page.text());
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(page
        .text()
        .contains("edgezero serve --adapter spin --key-value kv-credentials=@credentials.txt"));
    let auth = basic("a:b");
    let api = request(
        host.addr,
        "GET",
        "/internal/kv-explorer/api/keys",
        &[("authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(api.status, 403);
    assert_eq!(api.json()["error"]["code"], "not_configured");
    assert!(api.header("content-security-policy").is_some());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_over_http_and_in_a_browser() -> Result<(), BrowserError> {
    let app = TestApp::new(&spin_toml(), KV_EXPLORER);
    let mut seed = vec![("kv-credentials".to_string(), CREDENTIALS.to_string())];
    for i in 1..=11 {
        seed.push((format!("fruit:{i:02}"), format!("fruit number {i}")));
    }
    let host = start(&app, seed).await;
    let addr = host.addr;
    let api = |method: &'static str, path: &'static str, headers: Vec<(&'static str, String)>| async move {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        request(
            addr,
            method,
            &format!("/internal/kv-explorer{path}"),
            &headers,
            b"v",
        )
        .await
    };

    // Basic auth.
    for auth in [
        None,
        Some(basic("admin:wrong")),
        Some(basic("root:correct horse")),
        Some("Basic ???".to_string()),
    ] {
        let headers = auth.iter().map(|a| ("authorization", a.clone())).collect();
        let resp = api("GET", "/api/stores", headers).await;
        assert_eq!(resp.status, 401, "{auth:?}: {}", resp.text());
        assert_eq!(
            resp.header("www-authenticate"),
            Some("Basic realm=\"kv-explorer\"")
        );
    }
    let auth = ("authorization", basic(CREDENTIALS));
    let stores = api("GET", "/api/stores", vec![auth.clone()]).await;
    assert_eq!(stores.status, 200, "{}", stores.text());
    assert_eq!(stores.json()["stores"], serde_json::json!(["default"]));
    assert_eq!(stores.header("cache-control"), Some("no-store"));

    // Cross-site writes and the credentials key.
    let no_header = api("PUT", "/api/key/k", vec![auth.clone()]).await;
    assert_eq!(no_header.status, 403);
    let cross = api(
        "PUT",
        "/api/key/k",
        vec![
            auth.clone(),
            ("x-kv-explorer", "1".into()),
            ("origin", "https://elsewhere.example".into()),
        ],
    )
    .await;
    assert_eq!(cross.status, 403, "{}", cross.text());
    let reserved = api(
        "PUT",
        "/api/key/kv-credentials",
        vec![auth.clone(), ("x-kv-explorer", "1".into())],
    )
    .await;
    assert_eq!(reserved.status, 403);
    assert_eq!(reserved.json()["error"]["code"], "reserved_key");
    let secret = api("GET", "/api/key/kv-credentials", vec![auth.clone()]).await;
    assert_eq!(secret.status, 403);
    assert!(!secret.text().contains("correct horse"));

    // Twelve keys are over the cap of ten: a 503 the page recognises.
    let over = api("GET", "/api/keys", vec![auth.clone()]).await;
    assert_eq!(over.status, 503, "{}", over.text());
    assert_eq!(over.json()["error"]["code"], "list_limit_exceeded");
    assert!(over
        .text()
        .contains("EDGEZERO__STORES__KV__DEFAULT__MAX_LIST_KEYS"));
    let page = api("GET", "/", vec![]).await;
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .starts_with("default-src 'none'"));

    in_a_browser(&host, &app).await?;
    host.stop().await;
    Ok(())
}

async fn in_a_browser(host: &Running, app: &TestApp) -> Result<(), BrowserError> {
    let browser = Browser::start().await?;
    let count = |n: usize| format!("document.querySelectorAll('#keys button.key').length === {n}");

    browser
        .goto(&format!("http://{}/internal/kv-explorer", host.addr))
        .await?;
    browser
        .wait_until(
            "!document.getElementById('login-section').hidden",
            "the login form",
        )
        .await?;
    assert!(browser
        .current_url()
        .await?
        .path()
        .ends_with("/kv-explorer/"));
    let (user, password) = CREDENTIALS.split_once(':').unwrap();
    browser.type_into("#login-user", user).await?;
    browser.type_into("#login-password", password).await?;
    browser.click("#login button[type=submit]").await?;

    // The whole store is over the cap: the page says so and how to narrow it.
    browser
        .wait_until(
            "!document.getElementById('notice').hidden",
            "the cap notice",
        )
        .await?;
    let notice = browser.find(Locator::Id("notice")).await?.text().await?;
    assert!(
        notice.contains("Too many keys") && notice.contains("MAX_LIST_KEYS"),
        "{notice}"
    );
    browser.save_screenshot("kv-explorer-spin-cap").await?;

    // Under a prefix the listing fits: nine keys, five a page.
    browser
        .find(Locator::Id("limit"))
        .await?
        .select_by_value("5")
        .await?;
    browser.type_into("#prefix", "fruit:0").await?;
    browser.click("#filter button[type=submit]").await?;
    browser
        .wait_until(
            &format!("{} && document.getElementById('notice').hidden", count(5)),
            "the first page",
        )
        .await?;
    browser.click("#next").await?;
    browser
        .wait_until(
            &format!(
                "{} && document.getElementById('page-info').textContent === 'Page 2'",
                count(4)
            ),
            "the second page",
        )
        .await?;

    // Add a key, find it, delete it after confirming.
    browser.type_into("#set-key", "note").await?;
    browser.type_into("#set-value", "written on Spin").await?;
    browser.click("#set-form button[type=submit]").await?;
    browser
        .wait_until(
            "document.getElementById('value-text').textContent === 'written on Spin'",
            "the saved value",
        )
        .await?;
    let stored = |key: &str| {
        common::rows(&app.default_db(), "default")
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    };
    assert_eq!(stored("note"), Some(b"written on Spin".to_vec()));
    browser.type_into("#prefix", "note").await?;
    browser.click("#filter button[type=submit]").await?;
    browser.wait_until(&count(1), "the new key listed").await?;
    browser.save_screenshot("kv-explorer-spin").await?;
    browser.click("#delete").await?;
    browser
        .wait_until(
            "!document.getElementById('confirm').hidden",
            "the confirmation",
        )
        .await?;
    browser.click("#delete-yes").await?;
    browser
        .wait_until(&count(0), "the key gone from the list")
        .await?;
    assert_eq!(stored("note"), None);
    assert_eq!(
        stored("kv-credentials"),
        Some(CREDENTIALS.as_bytes().to_vec())
    );
    Ok(())
}
