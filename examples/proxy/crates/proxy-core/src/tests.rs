//! The gateway against a fake origin (`edgezero_testkit::FakeHttp`).

use std::rc::Rc;

use edgezero_core::fetch::FetchError;
use edgezero_testkit::fake_http::Recorded;
use edgezero_testkit::{FakeHttp, MemoryConfig, MemoryProvider, TestApp};

const ORIGIN: &str = "https://origin.test/v1";

fn app(config: &[(&str, &str)], fake: &Rc<FakeHttp>) -> TestApp {
    let provider =
        MemoryProvider::new().with_config("app_config", MemoryConfig::new(config.iter().copied()));
    TestApp::for_app::<crate::App>(&|_| None)
        .with_provider(provider)
        .with_http_client(fake.clone())
}

fn configured(fake: FakeHttp) -> (TestApp, Rc<FakeHttp>) {
    let fake = Rc::new(fake);
    (app(&[("origin.base_url", ORIGIN)], &fake), fake)
}

fn header<'a>(seen: &'a Recorded, name: &str) -> Vec<&'a str> {
    seen.headers
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn api_requests_are_forwarded_with_proxy_headers_and_answered_with_x_edge() {
    let (app, fake) = configured(FakeHttp::new().respond(
        "https://origin.test/v1/users/7",
        201,
        &[
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
            ("connection", "x-hop"),
            ("x-hop", "1"),
        ],
        "created",
    ));
    let request = edgezero_core::http::Request::put("/api/users/7?x=1&y=a%20b")
        .header("host", "edge.example")
        .header("connection", "keep-alive")
        .header("keep-alive", "timeout=5")
        .header("x-custom", "kept")
        .body(edgezero_core::Body::from("payload"))
        .unwrap();
    let resp = app.send(request);
    assert_eq!(resp.status(), 201, "{}", resp.text());
    assert_eq!(resp.text(), "created");
    assert_eq!(resp.header("x-edge"), Some("edgezero"));
    assert_eq!(resp.headers().get_all("set-cookie").iter().count(), 2);
    assert!(resp.header("x-hop").is_none() && resp.header("connection").is_none());

    let seen = fake.requests();
    assert_eq!(seen.len(), 1);
    let seen = &seen[0];
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.uri, "https://origin.test/v1/users/7?x=1&y=a%20b");
    assert_eq!(seen.body, "payload");
    assert_eq!(header(seen, "host"), ["origin.test"]);
    assert_eq!(header(seen, "x-custom"), ["kept"]);
    assert_eq!(header(seen, "x-forwarded-host"), ["edge.example"]);
    assert_eq!(header(seen, "x-forwarded-proto"), ["http"]);
    for dropped in ["connection", "keep-alive"] {
        assert!(header(seen, dropped).is_empty(), "{dropped} was forwarded");
    }
}

#[test]
fn every_method_is_forwarded_as_is() {
    let (app, fake) = configured(FakeHttp::new().respond(ORIGIN, 200, &[], "ok"));
    for method in ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"] {
        assert_eq!(app.request(method, "/api/x", "").status(), 200, "{method}");
    }
    let methods: Vec<String> = fake.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(
        methods,
        ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]
    );
}

#[test]
fn origin_failures_are_gateway_errors() {
    let (app, _) = configured(
        FakeHttp::new()
            .fail("https://origin.test/v1/slow", |host| FetchError::Timeout {
                host: host.to_string(),
                timeout: std::time::Duration::from_secs(30),
            })
            .fail("https://origin.test/v1/down", |host| FetchError::Connect {
                host: host.to_string(),
                reason: "connection refused".into(),
            })
            .respond(ORIGIN, 503, &[], "origin busy"),
    );
    assert_eq!(app.get("/api/slow").status(), 504);
    assert_eq!(app.get("/api/down").status(), 502);
    let busy = app.get("/api/other");
    assert_eq!(busy.status(), 503, "the origin's own status passes through");
    assert_eq!(busy.text(), "origin busy");
}

#[test]
fn missing_or_invalid_origin_config_is_503_naming_the_key() {
    for config in [
        &[][..],
        &[("origin.timeout_ms", "5")][..],
        &[("origin.base_url", "not a url")][..],
        &[("origin.base_url", "ftp://files.example")][..],
    ] {
        let fake = Rc::new(FakeHttp::new());
        let app = app(config, &fake);
        for path in ["/api/x", "/status"] {
            let resp = app.get(path);
            assert_eq!(resp.status(), 503, "{config:?} {path}: {}", resp.text());
            let message = resp.json()["error"]["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(message.contains("origin"), "{config:?} {path}: {message}");
        }
        assert!(fake.requests().is_empty(), "nothing may reach an origin");
    }
    let fake = Rc::new(FakeHttp::new());
    let message = app(&[("origin.timeout_ms", "5")], &fake)
        .get("/api/x")
        .json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("origin.base_url"), "{message}");
}

#[test]
fn status_reports_health_status_and_latency() {
    let (app, fake) = configured(FakeHttp::new().respond(
        "https://origin.test/v1/health",
        200,
        &[],
        r#"{"status":"ok"}"#,
    ));
    let resp = app.get("/status");
    assert_eq!(resp.status(), 200, "{}", resp.text());
    let report = resp.json();
    assert_eq!(report["origin"], ORIGIN);
    assert_eq!(report["healthy"], true);
    assert_eq!(report["status"], 200);
    assert!(report["latency_ms"].is_u64(), "{report}");
    assert!(report["error"].is_null());
    assert_eq!(fake.requests()[0].uri, "https://origin.test/v1/health");

    let (sick, _) = configured(FakeHttp::new().respond(ORIGIN, 500, &[], "no"));
    let report = sick.get("/status");
    assert_eq!(report.status(), 503);
    assert_eq!(report.json()["healthy"], false);
    assert_eq!(report.json()["status"], 500);

    let (down, _) = configured(FakeHttp::new());
    let report = down.get("/status").json();
    assert_eq!(report["healthy"], false);
    assert!(report["status"].is_null());
    assert!(
        report["error"].as_str().unwrap().contains("origin.test"),
        "{report}"
    );
}
