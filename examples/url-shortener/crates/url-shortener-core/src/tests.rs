use edgezero_core::Body;
use edgezero_testkit::{TestApp, TestResponse};
use serde_json::json;

fn create(app: &TestApp, body: &str) -> TestResponse {
    app.send(
        edgezero_core::http::Request::post("/create")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
}

fn app() -> TestApp {
    TestApp::for_app::<crate::App>(&|_| None)
}

fn create_url(app: &TestApp, url: &str) -> TestResponse {
    create(app, &json!({ "url": url }).to_string())
}

#[test]
fn create_open_and_list() {
    let app = app();
    let created = create(&app, r#"{"url": "https://example.com/a"}"#);
    assert_eq!(created.status(), 200);
    let short = created.json()["short"].as_str().unwrap().to_string();
    assert_eq!(short.len(), 5);
    let open = app.get(&format!("/{short}"));
    assert_eq!(open.status(), 308);
    assert_eq!(open.header("location"), Some("https://example.com/a"));
    assert_eq!(
        app.get("/all").json(),
        json!({ "links": { short: "https://example.com/a" }, "cursor": null })
    );
}

#[test]
fn errors() {
    let app = app();
    assert_eq!(app.get("/nope1").status(), 404);
    assert_eq!(create(&app, "{bad").status(), 400);
    assert_eq!(create(&app, r#"{"url": "ftp://x"}"#).status(), 400);
    assert_eq!(
        app.get("/all").json(),
        json!({ "links": {}, "cursor": null })
    );
}

#[test]
fn create_refuses_urls_that_cannot_be_redirected_to() {
    let app = app();
    for (url, rule) in [
        (
            "https://example.com/a\nSet-Cookie: x=1",
            "control characters",
        ),
        ("https://example.com/\u{0}", "control characters"),
        ("https://example.com/\u{7f}", "control characters"),
        ("https://exa\tmple.com/", "control characters"),
        ("/relative/path", "absolute URL"),
        ("javascript:alert(1)", "absolute URL"),
        ("https://", "name a host"),
        ("https:///path", "name a host"),
    ] {
        let resp = create_url(&app, url);
        assert_eq!(resp.status(), 400, "{url:?}");
        let msg = resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(msg.contains(rule), "{url:?}: {msg}");
    }
    let long = format!("https://example.com/{}", "a".repeat(4096));
    assert!(create_url(&app, &long).json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most 4096 bytes"));
    assert_eq!(
        app.get("/all").json()["links"],
        json!({}),
        "nothing was stored"
    );
}

#[test]
fn non_ascii_urls_redirect_percent_encoded() {
    let app = app();
    let created = create_url(&app, "HTTPS://example.com/café");
    assert_eq!(created.status(), 200, "{}", created.text());
    let short = created.json()["short"].as_str().unwrap().to_string();
    let open = app.get(&format!("/{short}"));
    assert_eq!(open.status(), 308);
    assert_eq!(
        open.header("location"),
        Some("HTTPS://example.com/caf%C3%A9")
    );
}

#[test]
fn all_is_paged_with_a_cursor() {
    let app = app();
    let mut shorts = Vec::new();
    for i in 0..5 {
        let created = create_url(&app, &format!("https://example.com/{i}"));
        shorts.push(created.json()["short"].as_str().unwrap().to_string());
    }
    shorts.sort();
    let mut seen = Vec::new();
    let mut uri = "/all?limit=2".to_string();
    let mut pages = 0;
    loop {
        let page = app.get(&uri).json();
        pages += 1;
        let links = page["links"].as_object().unwrap();
        assert!(links.len() <= 2);
        seen.extend(links.keys().cloned());
        match page["cursor"].as_str() {
            Some(c) => uri = format!("/all?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, shorts);
    assert_eq!(
        app.get("/all?cursor=&limit=1000").json()["links"]
            .as_object()
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn all_checks_limit_and_cursor() {
    let app = app();
    for bad in [
        "/all?limit=0",
        "/all?limit=1001",
        "/all?limit=many",
        "/all?cursor=garbage",
    ] {
        let resp = app.get(bad);
        assert_eq!(resp.status(), 400, "{bad}");
    }
    assert!(app.get("/all?limit=1001").json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("between 1 and 1000"));
}

#[test]
fn all_defaults_to_pages_of_100() {
    let app = app();
    let kv = app.provider().kv("default");
    for i in 0..150 {
        futures_executor::block_on(edgezero_core::store::kv::KvStore::put_bytes(
            &*kv,
            &format!("link:{i:05}"),
            "https://example.com/".into(),
        ))
        .unwrap();
    }
    let first = app.get("/all").json();
    assert_eq!(first["links"].as_object().unwrap().len(), 100);
    let next = first["cursor"].as_str().unwrap();
    let second = app.get(&format!("/all?cursor={next}")).json();
    assert_eq!(second["links"].as_object().unwrap().len(), 50);
    assert!(second["cursor"].is_null());
}

#[test]
fn invalid_url_messages_name_the_rule() {
    use crate::handlers::{check_url, InvalidUrl};
    assert_eq!(
        check_url("https://a.example/\u{85}"),
        Err(InvalidUrl::ControlCharacter {
            found: '\u{85}',
            at: 18
        })
    );
    assert_eq!(
        check_url("https://a.example/\u{85}")
            .unwrap_err()
            .to_string(),
        "`url` must not contain control characters; found U+0085 at byte 18"
    );
    assert_eq!(
        check_url("ftp://a.example/").unwrap_err().to_string(),
        "`url` must be an absolute URL starting with http:// or https://"
    );
    assert_eq!(check_url("https://?q").unwrap_err(), InvalidUrl::NoHost);
}
