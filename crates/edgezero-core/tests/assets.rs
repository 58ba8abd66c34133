//! Static files embedded with `assets!`, served through a router.

use edgezero_core::assets::Assets;
use edgezero_core::http::{self, Method};
use edgezero_core::middleware::strong_etag;
use edgezero_core::{Body, Router};
use edgezero_testkit::{TestApp, TestResponse};

const FILES: Assets = edgezero_core::assets!("tests/assets");

fn app(assets: Assets) -> TestApp {
    TestApp::new(
        Router::new()
            .get("/api/hello", || async { "hello" })
            .fallback(assets),
    )
}

fn send(app: &TestApp, method: Method, uri: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut req = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    app.send(req.body(Body::Empty).unwrap())
}

fn get(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> TestResponse {
    send(app, Method::GET, uri, headers)
}

#[test]
fn the_directory_is_embedded_without_hidden_files_or_compressed_siblings() {
    let paths: Vec<&str> = FILES.files().iter().map(|a| a.path).collect();
    assert_eq!(
        paths,
        [
            "/app.js",
            "/css/site.css",
            "/data.bin",
            "/docs/index.html",
            "/index.html"
        ]
    );
}

#[test]
fn files_are_served_with_their_type_tag_and_length() {
    let app = app(FILES);
    let css = get(&app, "/css/site.css", &[]);
    assert_eq!(css.status(), 200);
    assert_eq!(css.text(), "body { color: #333 }\n");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("content-length"), Some("21"));
    assert_eq!(css.header("accept-ranges"), Some("bytes"));
    let tag = strong_etag(b"body { color: #333 }\n");
    assert_eq!(
        css.header("etag"),
        tag.to_str().ok(),
        "the compile-time tag is core's tag"
    );
    assert_eq!(
        get(&app, "/data.bin", &[]).header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        get(&app, "/api/hello", &[]).text(),
        "hello",
        "routes come first"
    );
    let missing = get(&app, "/nope.txt", &[]);
    assert_eq!(missing.status(), 404);
    assert_eq!(get(&app, "/.hidden", &[]).status(), 404);
}

#[test]
fn a_matching_tag_is_304_and_head_has_no_body() {
    let app = app(FILES);
    let first = get(&app, "/index.html", &[]);
    let tag = first.header("etag").unwrap().to_string();
    let again = get(&app, "/index.html", &[("if-none-match", &tag)]);
    assert_eq!(again.status(), 304);
    assert!(again.bytes().is_empty());
    let head = send(&app, Method::HEAD, "/index.html", &[]);
    assert_eq!(head.status(), 200);
    assert!(head.bytes().is_empty());
    assert_eq!(
        head.header("content-length"),
        first.header("content-length")
    );
    assert_eq!(send(&app, Method::POST, "/index.html", &[]).status(), 405);
}

#[test]
fn directories_serve_their_index() {
    let app = app(FILES);
    assert_eq!(
        get(&app, "/", &[]).text(),
        std::fs::read_to_string("tests/assets/index.html").unwrap()
    );
    assert_eq!(get(&app, "/docs/", &[]).text(), "<h1>docs</h1>\n");
    let redirect = get(&app, "/docs", &[]);
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.header("location"), Some("/docs/"));
    assert_eq!(get(&app, "/css/", &[]).status(), 404);
}

#[test]
fn ranges_are_206_and_past_the_end_416() {
    let app = app(FILES);
    let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let part = get(&app, "/data.bin", &[("range", "bytes=10-19")]);
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().as_ref(), &data[10..20]);
    assert_eq!(part.header("content-range"), Some("bytes 10-19/1000"));
    assert_eq!(part.header("content-length"), Some("10"));
    let tail = get(&app, "/data.bin", &[("range", "bytes=-5")]);
    assert_eq!(tail.bytes().as_ref(), &data[995..]);
    let beyond = get(&app, "/data.bin", &[("range", "bytes=1000-")]);
    assert_eq!(beyond.status(), 416);
    assert_eq!(beyond.header("content-range"), Some("bytes */1000"));
    let tag = part.header("etag").unwrap().to_string();
    let fresh = get(
        &app,
        "/data.bin",
        &[("range", "bytes=0-0"), ("if-range", &tag)],
    );
    assert_eq!(fresh.status(), 206);
    let stale = get(
        &app,
        "/data.bin",
        &[("range", "bytes=0-0"), ("if-range", "\"old\"")],
    );
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.bytes().len(), 1000);
}

#[test]
fn precompressed_siblings_are_chosen_by_accept_encoding() {
    let app = app(FILES);
    let plain = get(&app, "/app.js", &[]);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        plain.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let gz = get(&app, "/app.js", &[("accept-encoding", "gzip, deflate")]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(
        gz.bytes().as_ref(),
        std::fs::read("tests/assets/app.js.gz").unwrap().as_slice()
    );
    let br = get(&app, "/app.js", &[("accept-encoding", "gzip, br")]);
    assert_eq!(br.header("content-encoding"), Some("br"));
    let no_br = get(&app, "/app.js", &[("accept-encoding", "br;q=0, gzip")]);
    assert_eq!(no_br.header("content-encoding"), Some("gzip"));
    assert_eq!(
        get(&app, "/app.js.gz", &[]).status(),
        404,
        "a variant is not a file of its own"
    );
}

#[test]
fn path_tricks_are_400() {
    let app = app(FILES);
    for bad in [
        "/../Cargo.toml",
        "/css/../index.html",
        "/css%2fsite.css",
        "/css%5csite.css",
        "/index.html%00",
        "/%2e%2e/Cargo.toml",
    ] {
        assert_eq!(get(&app, bad, &[]).status(), 400, "{bad}");
    }
}

#[test]
fn a_single_page_app_falls_back_to_its_page_for_routes_only() {
    let app = app(FILES.spa_fallback("/index.html"));
    let route = get(&app, "/users/42", &[]);
    assert_eq!(route.status(), 200);
    assert!(route.text().contains("<title>home</title>"));
    assert_eq!(
        get(&app, "/missing.png", &[]).status(),
        404,
        "a file name is not a route"
    );
}
