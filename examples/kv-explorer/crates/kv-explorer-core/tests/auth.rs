//! Who gets in: credentials, basic auth, cross-site writes, and the headers on every answer.

mod common;

use common::{app, authed, basic, call, code, seed, stored, CREDENTIALS};
use kv_explorer_core::guard::{CONTENT_SECURITY_POLICY, WWW_AUTHENTICATE};

const EVERY_ROUTE: &[(&str, &str)] = &[
    ("GET", ""),
    ("GET", "/"),
    ("GET", "/app.js"),
    ("GET", "/app.css"),
    ("GET", "/api/stores"),
    ("GET", "/api/keys"),
    ("GET", "/api/key/a"),
    ("PUT", "/api/key/a"),
    ("DELETE", "/api/key/a"),
];

#[test]
fn without_credentials_every_request_is_refused_with_the_how_to() {
    for value in [
        None,
        Some("no-colon"),
        Some(":pw"),
        Some("user:"),
        Some("a:b\n"),
    ] {
        let app = app(value);
        for (method, path) in EVERY_ROUTE {
            // Even a request that carries the would-be credentials.
            let auth = basic(value.unwrap_or("a:b"));
            let headers = [("authorization", auth.as_str()), ("x-kv-explorer", "1")];
            let resp = call(&app, method, path, &headers, "v");
            assert_eq!(resp.status(), 403, "{value:?} {method} {path}");
            let text = resp.text();
            assert!(
                text.contains("--key-value kv-credentials=@credentials.txt"),
                "{method} {path}: {text}"
            );
            assert!(text.contains("set-credentials"), "{text}");
            assert_eq!(
                resp.header("content-security-policy"),
                Some(CONTENT_SECURITY_POLICY)
            );
        }
        let page = call(&app, "GET", "/", &[], "");
        assert!(page
            .header("content-type")
            .unwrap()
            .starts_with("text/html"));
        assert!(page.text().contains("edgezero deploy --adapter spin"));
        let api = call(&app, "GET", "/api/keys", &[], "");
        assert_eq!(code(&api), "not_configured");
        assert_eq!(stored_value(&app), value.map(str::to_string));
        assert_eq!(stored(&app, "default", "a"), None, "nothing written");
    }
}

fn stored_value(app: &edgezero_testkit::TestApp) -> Option<String> {
    stored(app, "default", "kv-credentials").map(|v| String::from_utf8(v).unwrap())
}

#[test]
fn the_api_needs_the_right_user_and_password() {
    let app = app(Some(CREDENTIALS));
    let cases: &[(&str, Option<String>)] = &[
        ("no header", None),
        ("wrong user", Some(basic("bob:s3cret"))),
        ("wrong password", Some(basic("alice:guess"))),
        ("same-length wrong user", Some(basic("alicE:s3cret"))),
        ("same-length wrong password", Some(basic("alice:s3creT"))),
        ("password prefix", Some(basic("alice:s3cre"))),
        ("longer password", Some(basic("alice:s3cret!"))),
        ("empty", Some(basic(""))),
        ("malformed base64", Some("Basic !!!not-base64".to_string())),
        (
            "no scheme",
            Some(common::basic(CREDENTIALS)[6..].to_string()),
        ),
        ("other scheme", Some("Bearer YWxpY2U6czNjcmV0".to_string())),
    ];
    for (what, header) in cases {
        for path in ["/api/stores", "/api/keys", "/api/key/x"] {
            let headers: Vec<(&str, &str)> = header
                .iter()
                .map(|h| ("authorization", h.as_str()))
                .collect();
            let resp = call(&app, "GET", path, &headers, "");
            assert_eq!(resp.status(), 401, "{what} {path}: {}", resp.text());
            assert_eq!(
                resp.header("www-authenticate"),
                Some(WWW_AUTHENTICATE),
                "{what}"
            );
            assert_eq!(code(&resp), "unauthorized");
            assert!(!resp.text().contains("s3cret"), "{what}: {}", resp.text());
        }
    }
    let ok = authed(&app, "GET", "/api/stores", "");
    assert_eq!(ok.status(), 200, "{}", ok.text());
    // The scheme is case-insensitive.
    let lower = format!("basic {}", &basic(CREDENTIALS)[6..]);
    let resp = call(
        &app,
        "GET",
        "/api/stores",
        &[("authorization", lower.as_str())],
        "",
    );
    assert_eq!(resp.status(), 200);
}

#[test]
fn a_write_without_credentials_is_a_401_and_writes_nothing() {
    let app = app(Some(CREDENTIALS));
    for method in ["PUT", "DELETE"] {
        let resp = call(&app, method, "/api/key/k", &[("x-kv-explorer", "1")], "v");
        assert_eq!(resp.status(), 401, "{method}");
    }
    assert_eq!(stored(&app, "default", "k"), None);
}

#[test]
fn the_page_and_its_files_load_without_credentials_but_hold_no_data() {
    let app = app(Some(CREDENTIALS));
    seed(&app, "default", "visible-only-through-the-api", b"v");
    for (path, content_type) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/app.css", "text/css"),
    ] {
        let resp = call(&app, "GET", path, &[], "");
        assert_eq!(resp.status(), 200, "{path}");
        assert!(
            resp.header("content-type")
                .unwrap()
                .starts_with(content_type),
            "{path}"
        );
        assert!(!resp.text().contains("visible-only-through-the-api"));
        assert!(!resp.text().contains("s3cret"));
    }
    let redirect = call(&app, "GET", "", &[], "");
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.header("location"), Some("/internal/kv-explorer/"));
    // Only reads are free: a POST to the page still needs credentials.
    assert_eq!(call(&app, "POST", "/", &[], "").status(), 401);
}

#[test]
fn writes_need_the_page_header_and_the_same_origin() {
    let app = app(Some(CREDENTIALS));
    let auth = basic(CREDENTIALS);
    let auth = ("authorization", auth.as_str());
    let header = ("x-kv-explorer", "1");
    let host = ("host", "explorer.example:8080");
    let refused: &[(&str, Vec<(&str, &str)>)] = &[
        ("no page header", vec![auth]),
        ("wrong header value", vec![auth, ("x-kv-explorer", "yes")]),
        (
            "cross-site origin",
            vec![auth, header, host, ("origin", "https://evil.example")],
        ),
        (
            "other port",
            vec![
                auth,
                header,
                host,
                ("origin", "http://explorer.example:9999"),
            ],
        ),
        ("null origin", vec![auth, header, host, ("origin", "null")]),
        (
            "origin without host",
            vec![auth, header, ("origin", "http://explorer.example:8080")],
        ),
        (
            "cross-site fetch",
            vec![auth, header, ("sec-fetch-site", "cross-site")],
        ),
        (
            "same-site fetch",
            vec![auth, header, ("sec-fetch-site", "same-site")],
        ),
    ];
    for (what, headers) in refused {
        for method in ["PUT", "DELETE", "POST"] {
            let resp = call(&app, method, "/api/key/k", headers, "v");
            assert_eq!(resp.status(), 403, "{what} {method}: {}", resp.text());
            assert_eq!(code(&resp), "forbidden", "{what}");
        }
    }
    assert_eq!(stored(&app, "default", "k"), None, "nothing was written");

    let allowed: &[(&str, Vec<(&str, &str)>)] = &[
        ("header only (curl)", vec![auth, header]),
        (
            "same origin",
            vec![
                auth,
                header,
                host,
                ("origin", "http://explorer.example:8080"),
                ("sec-fetch-site", "same-origin"),
            ],
        ),
    ];
    for (what, headers) in allowed {
        let resp = call(&app, "PUT", "/api/key/k", headers, what);
        assert_eq!(resp.status(), 204, "{what}: {}", resp.text());
        assert_eq!(stored(&app, "default", "k"), Some(what.as_bytes().to_vec()));
    }
    // Reads need no page header.
    assert_eq!(
        call(&app, "GET", "/api/key/k", &[auth], "").status(),
        200,
        "GET without x-kv-explorer"
    );
}

#[test]
fn every_answer_carries_the_security_headers() {
    let app = app(Some(CREDENTIALS));
    let responses = [
        call(&app, "GET", "/", &[], ""),
        call(&app, "GET", "/app.js", &[], ""),
        call(&app, "GET", "/api/keys", &[], ""),
        authed(&app, "GET", "/api/keys", ""),
        authed(&app, "GET", "/api/key/missing", ""),
        authed(&app, "PUT", "/api/key/k", "v"),
        authed(&app, "GET", "/nothing-here", ""),
    ];
    for resp in &responses {
        assert_eq!(
            resp.header("content-security-policy"),
            Some(CONTENT_SECURITY_POLICY),
            "{resp:?}"
        );
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
            ("x-frame-options", "DENY"),
        ] {
            assert_eq!(resp.header(name), Some(value), "{name} on {resp:?}");
        }
    }
    let csp = CONTENT_SECURITY_POLICY;
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{part}");
    }
    assert!(!csp.contains("unsafe"));
}

#[test]
fn the_page_has_no_inline_script_or_style_and_loads_its_own_files() {
    let app = app(Some(CREDENTIALS));
    let html = call(&app, "GET", "/", &[], "").text();
    assert!(html.contains(r#"<script src="app.js" defer></script>"#));
    assert!(html.contains(r#"<link rel="stylesheet" href="app.css">"#));
    assert_eq!(html.matches("<script").count(), 1, "one external script");
    assert!(!html.contains("<style"), "no inline style sheet");
    assert!(!html.contains("style="), "no inline style attribute");
    for handler in [
        " onclick",
        " onsubmit",
        " onload",
        " onchange",
        "javascript:",
    ] {
        assert!(!html.contains(handler), "no inline event handler {handler}");
    }
    assert!(!html.contains("http"), "no other origin: {html}");
    let js = call(&app, "GET", "/app.js", &[], "").text();
    assert!(!js.contains("innerHTML"), "data is rendered as text only");
    assert!(js.contains(r#"credentials: "omit""#));
}

#[test]
fn merged_into_another_app_the_guard_covers_the_explorer_paths_only() {
    const META: edgezero_core::StoreMetadata = edgezero_core::StoreMetadata {
        kv: edgezero_core::store::StoreIds {
            ids: &["default"],
            default: Some("default"),
        },
        config: edgezero_core::store::StoreIds::NONE,
        secrets: edgezero_core::store::StoreIds::NONE,
    };
    let router = edgezero_core::Router::new()
        .get("/", || async { "home" })
        .merge(kv_explorer_core::explorer("/tools/kv/"));
    let app = edgezero_testkit::TestApp::with_stores(router, &META, &|_| None);
    seed(&app, "default", "kv-credentials", CREDENTIALS.as_bytes());

    let home = app.get("/");
    assert_eq!(home.text(), "home");
    assert!(home.header("content-security-policy").is_none());
    let keys = app.get("/tools/kv/api/keys");
    assert_eq!(keys.status(), 401, "{}", keys.text());
    assert!(keys.header("content-security-policy").is_some());
    // Unknown paths under the base are the explorer's: guarded, then a 404.
    assert_eq!(app.get("/tools/kv/nope").status(), 401);
    let auth = basic(CREDENTIALS);
    let req = edgezero_core::http::Request::get("/tools/kv/nope")
        .header("authorization", auth.as_str())
        .body(edgezero_core::Body::Empty)
        .unwrap();
    assert_eq!(app.send(req).status(), 404);
    let redirect = app.get("/tools/kv");
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.header("location"), Some("/tools/kv/"));
    assert!(redirect.header("content-security-policy").is_some());
    // Elsewhere, the app's own 404.
    assert_eq!(app.get("/elsewhere").status(), 404);
}
