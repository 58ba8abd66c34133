//! The middleware in core, through the router as an app uses it (see also
//! middleware_auth.rs for auth and rate limiting).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use edgezero_core::http::{self, Method};
use edgezero_core::middleware::{
    strong_etag, BodyLimit, ConditionalGet, Cors, HandlerExt, RequestId, RequestIds,
    SecurityHeaders, Timeout,
};
use edgezero_core::timer::{self, Sleep};
use edgezero_core::{Body, Bytes, Response, Router};
use edgezero_testkit::{TestApp, TestResponse};

fn send(router: &Router, method: Method, uri: &str, headers: &[(&str, &str)]) -> TestResponse {
    send_body(router, method, uri, headers, Body::Empty)
}

fn send_body(
    router: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Body,
) -> TestResponse {
    let mut req = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    TestApp::new(router.clone()).send(req.body(body).unwrap())
}

fn header<'a>(resp: &'a TestResponse, name: &str) -> Option<&'a str> {
    resp.header(name)
}

// ---- CORS ----

fn app(cors: Cors) -> Router {
    Router::new()
        .get("/api", || async { "hello" })
        .post("/api", || async { "posted" })
        .layer(cors)
}

#[test]
fn an_allowed_origin_gets_its_own_origin_back_and_vary() {
    let router = app(Cors::new().allow_origin("https://App.Example/"));
    let resp = send(
        &router,
        Method::GET,
        "/api",
        &[("origin", "https://app.example")],
    );
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(header(&resp, "vary"), Some("Origin"));
    assert_eq!(header(&resp, "access-control-allow-credentials"), None);
}

#[test]
fn a_disallowed_origin_reaches_the_handler_without_cors_headers() {
    let router = app(Cors::new().allow_origin("https://app.example"));
    for origin in ["https://evil.example", "https://app.example.evil", "null"] {
        let resp = send(&router, Method::POST, "/api", &[("origin", origin)]);
        assert_eq!(resp.status(), 200, "{origin}");
        assert_eq!(
            header(&resp, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(header(&resp, "vary"), Some("Origin"));
    }
}

#[test]
fn a_preflight_is_answered_without_the_handler() {
    let cors = Cors::new()
        .allow_origin("https://app.example")
        .allow_methods([Method::GET, Method::PUT])
        .allow_headers(["content-type", "x-token"])
        .allow_credentials(true)
        .max_age(Duration::from_secs(600));
    let router = app(cors);
    let resp = send(
        &router,
        Method::OPTIONS,
        "/api",
        &[
            ("origin", "https://app.example"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "X-Token, content-type"),
        ],
    );
    assert_eq!(resp.status(), 204);
    assert_eq!(
        header(&resp, "access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        header(&resp, "access-control-allow-methods"),
        Some("GET, PUT")
    );
    assert_eq!(
        header(&resp, "access-control-allow-headers"),
        Some("content-type, x-token")
    );
    assert_eq!(
        header(&resp, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(header(&resp, "access-control-max-age"), Some("600"));
}

#[test]
fn a_refused_preflight_is_403_without_cors_headers() {
    let router = app(Cors::new().allow_origin("https://app.example"));
    for (origin, method, headers) in [
        ("https://evil.example", "GET", ""),
        ("https://app.example", "DELETE", ""),
        ("https://app.example", "POST", "authorization"),
    ] {
        let mut req = vec![
            ("origin", origin),
            ("access-control-request-method", method),
        ];
        if !headers.is_empty() {
            req.push(("access-control-request-headers", headers));
        }
        let resp = send(&router, Method::OPTIONS, "/api", &req);
        assert_eq!(resp.status(), 403, "{origin} {method} {headers}");
        assert_eq!(header(&resp, "access-control-allow-origin"), None);
    }
}

#[test]
fn any_origin_is_a_star_unless_credentials_are_allowed() {
    let router = app(Cors::new().allow_any_origin());
    let resp = send(
        &router,
        Method::GET,
        "/api",
        &[("origin", "https://x.example")],
    );
    assert_eq!(header(&resp, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&resp, "vary"), None);
    let router = app(Cors::new().allow_any_origin().allow_credentials(true));
    let resp = send(
        &router,
        Method::GET,
        "/api",
        &[("origin", "https://x.example")],
    );
    assert_eq!(
        header(&resp, "access-control-allow-origin"),
        Some("https://x.example")
    );
    assert_eq!(header(&resp, "vary"), Some("Origin"));
}

#[test]
fn a_predicate_decides_and_exposed_headers_are_listed() {
    let cors = Cors::new()
        .allow_origin_fn(|o| o.ends_with(".trusted.example"))
        .expose_headers(["x-total"]);
    let router = app(cors);
    let resp = send(
        &router,
        Method::GET,
        "/api",
        &[("origin", "https://a.trusted.example")],
    );
    assert_eq!(
        header(&resp, "access-control-expose-headers"),
        Some("x-total")
    );
    let resp = send(
        &router,
        Method::GET,
        "/api",
        &[("origin", "https://trusted.example.evil")],
    );
    assert_eq!(header(&resp, "access-control-allow-origin"), None);
}

// ---- Security headers ----

#[test]
fn security_headers_have_safe_defaults_and_hsts_only_over_https() {
    let router = Router::new()
        .get("/", || async { "home" })
        .layer(SecurityHeaders::new());
    let resp = send(&router, Method::GET, "/", &[]);
    assert_eq!(
        header(&resp, "content-security-policy"),
        Some(edgezero_core::middleware::DEFAULT_CONTENT_SECURITY_POLICY)
    );
    assert_eq!(header(&resp, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&resp, "x-frame-options"), Some("DENY"));
    assert_eq!(
        header(&resp, "referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    assert_eq!(header(&resp, "strict-transport-security"), None);
    let resp = send(&router, Method::GET, "https://site.example/", &[]);
    assert_eq!(
        header(&resp, "strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    let resp = send(
        &router,
        Method::GET,
        "/",
        &[("x-forwarded-proto", "https, http")],
    );
    assert!(header(&resp, "strict-transport-security").is_some());
    // Also on the router's own 404.
    let resp = send(&router, Method::GET, "/nowhere", &[]);
    assert_eq!(resp.status(), 404);
    assert_eq!(header(&resp, "x-content-type-options"), Some("nosniff"));
}

#[test]
fn security_headers_are_overridable_and_a_handlers_own_header_wins() {
    let own_csp = || async {
        let mut resp = Response::new(Body::from("framed"));
        resp.headers_mut()
            .insert("x-frame-options", "SAMEORIGIN".parse().unwrap());
        resp
    };
    let router = Router::new()
        .get("/", || async { "home" })
        .get("/embed", own_csp)
        .layer(
            SecurityHeaders::new()
                .content_security_policy("default-src 'none'")
                .referrer_policy("no-referrer")
                .without("strict-transport-security")
                .without("Cross-Origin-Opener-Policy"),
        );
    let resp = send(&router, Method::GET, "https://site.example/", &[]);
    assert_eq!(
        header(&resp, "content-security-policy"),
        Some("default-src 'none'")
    );
    assert_eq!(header(&resp, "referrer-policy"), Some("no-referrer"));
    assert_eq!(header(&resp, "strict-transport-security"), None);
    assert_eq!(header(&resp, "cross-origin-opener-policy"), None);
    let resp = send(&router, Method::GET, "/embed", &[]);
    assert_eq!(header(&resp, "x-frame-options"), Some("SAMEORIGIN"));
}

// ---- Request ids ----

async fn show_id(id: RequestId) -> String {
    let current = edgezero_core::middleware::current_request_id();
    assert_eq!(current.as_ref(), Some(&id), "the id of the running request");
    id.to_string()
}

#[test]
fn a_request_id_is_generated_or_taken_from_the_client() {
    let router = Router::new().get("/", show_id).layer(RequestIds::new());
    let a = send(&router, Method::GET, "/", &[]);
    let b = send(&router, Method::GET, "/", &[]);
    let id = a.text();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(header(&a, "x-request-id"), Some(id.as_str()));
    assert_ne!(id, b.text(), "each request its own id");
    let given = send(
        &router,
        Method::GET,
        "/",
        &[("x-request-id", "edge-42.a:b")],
    );
    assert_eq!(given.text(), "edge-42.a:b");
    assert_eq!(header(&given, "x-request-id"), Some("edge-42.a:b"));
    // Unusable ids are replaced, never echoed.
    let long = "a".repeat(129);
    for bad in ["", "has space", "<script>", long.as_str()] {
        let resp = send(&router, Method::GET, "/", &[("x-request-id", bad)]);
        assert_eq!(resp.text().len(), 32, "{bad:?}");
    }
    assert!(edgezero_core::middleware::current_request_id().is_none());
}

#[test]
fn without_the_middleware_the_extractor_is_a_500_and_the_option_none() {
    let router = Router::new()
        .get("/", show_id)
        .get("/maybe", |id: Option<RequestId>| async move {
            format!("{}", id.is_some())
        });
    assert_eq!(send(&router, Method::GET, "/", &[]).status(), 500);
    assert_eq!(send(&router, Method::GET, "/maybe", &[]).text(), "false");
    let ignoring = Router::new().get("/", show_id).layer(
        RequestIds::new()
            .ignore_incoming()
            .header("x-correlation-id"),
    );
    let resp = send(&ignoring, Method::GET, "/", &[("x-correlation-id", "mine")]);
    assert_ne!(resp.text(), "mine");
    assert_eq!(
        header(&resp, "x-correlation-id"),
        Some(resp.text().as_str())
    );
}

// ---- Timeout ----

/// A timer for this test process: a thread sleeps, then wakes the future.
fn thread_timer(duration: Duration) -> Option<Sleep> {
    let state = Arc::new(Mutex::new((false, None::<Waker>)));
    let shared = Arc::clone(&state);
    std::thread::spawn(move || {
        std::thread::sleep(duration);
        let mut s = shared.lock().unwrap();
        s.0 = true;
        if let Some(w) = s.1.take() {
            w.wake();
        }
    });
    Some(Box::pin(std::future::poll_fn(move |cx| {
        let mut s = state.lock().unwrap();
        if s.0 {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    })))
}

static DROPPED: AtomicBool = AtomicBool::new(false);

struct MarkDrop;
impl Drop for MarkDrop {
    fn drop(&mut self) {
        DROPPED.store(true, Ordering::SeqCst);
    }
}

async fn forever() -> &'static str {
    let _mark = MarkDrop;
    std::future::pending::<()>().await;
    "never"
}

#[test]
fn a_handler_past_the_deadline_is_a_504_and_is_dropped() {
    timer::set_timer(thread_timer);
    let router = Router::new()
        .get("/slow", forever)
        .get("/fast", || async { "fast" })
        .get(
            "/patient",
            (|| async {
                if let Some(sleep) = timer::sleep(Duration::from_millis(50)) {
                    sleep.await;
                }
                "patient"
            })
            .layer(Timeout::new(Duration::from_secs(5))),
        )
        .layer(Timeout::new(Duration::from_millis(200)));
    let resp = send(&router, Method::GET, "/slow", &[]);
    assert_eq!(resp.status(), 504);
    assert_eq!(resp.json()["error"]["code"], "timeout");
    assert!(
        DROPPED.load(Ordering::SeqCst),
        "the handler's future was dropped"
    );
    assert_eq!(send(&router, Method::GET, "/fast", &[]).text(), "fast");
    assert_eq!(
        send(&router, Method::GET, "/patient", &[]).text(),
        "patient"
    );
}

// ---- Body limit ----

async fn length(body: Bytes) -> String {
    body.len().to_string()
}

async fn streamed(body: Body) -> Result<String, edgezero_core::EdgeError> {
    Ok(body.collect(usize::MAX).await?.len().to_string())
}

fn chunks(n: usize, size: usize) -> Body {
    let chunk = Bytes::from(vec![b'x'; size]);
    Body::from_stream(futures_util::stream::iter(
        (0..n).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    ))
}

#[test]
fn a_route_body_limit_is_413_declared_buffered_or_streamed() {
    let router = Router::new()
        .post("/small", length.layer(BodyLimit::new(10)))
        .post("/stream", streamed.layer(BodyLimit::new(10)))
        .post("/big", length.layer(BodyLimit::new(5_000_000)));
    let ok = send_body(
        &router,
        Method::POST,
        "/small",
        &[],
        Body::from("0123456789"),
    );
    assert_eq!(ok.text(), "10");
    let over = send_body(
        &router,
        Method::POST,
        "/small",
        &[],
        Body::from("0123456789a"),
    );
    assert_eq!(over.status(), 413);
    let declared = send_body(
        &router,
        Method::POST,
        "/small",
        &[("content-length", "11")],
        chunks(0, 1),
    );
    assert_eq!(declared.status(), 413);
    let streamed_over = send_body(&router, Method::POST, "/stream", &[], chunks(3, 4));
    assert_eq!(streamed_over.status(), 413);
    let streamed_ok = send_body(&router, Method::POST, "/stream", &[], chunks(2, 4));
    assert_eq!(streamed_ok.text(), "8");
    // Raised above the 1 MiB default for one route.
    let big = send_body(
        &router,
        Method::POST,
        "/big",
        &[],
        Body::from(vec![0u8; 2 << 20]),
    );
    assert_eq!(big.text(), (2 << 20).to_string());
}

// ---- Conditional GET ----

#[test]
fn a_matching_etag_is_a_304_without_a_body() {
    let router = Router::new()
        .get("/doc", || async { "the document" })
        .get("/stream", || async {
            Response::new(Body::from_stream(futures_util::stream::iter([Ok::<
                _,
                std::io::Error,
            >(
                Bytes::from("streamed"),
            )])))
        })
        .post("/doc", || async { "posted" })
        .layer(ConditionalGet::new())
        .layer(SecurityHeaders::new());
    let first = send(&router, Method::GET, "/doc", &[]);
    let tag = header(&first, "etag").unwrap().to_string();
    assert_eq!(tag, strong_etag(b"the document").to_str().unwrap());
    for wanted in [
        tag.clone(),
        format!("W/{tag}"),
        format!("\"other\", {tag}"),
        "*".into(),
    ] {
        let again = send(&router, Method::GET, "/doc", &[("if-none-match", &wanted)]);
        assert_eq!(again.status(), 304, "{wanted}");
        assert!(again.bytes().is_empty());
        assert_eq!(header(&again, "etag"), Some(tag.as_str()));
        assert_eq!(header(&again, "content-type"), None);
        assert_eq!(header(&again, "x-content-type-options"), Some("nosniff"));
    }
    let changed = send(
        &router,
        Method::GET,
        "/doc",
        &[("if-none-match", "\"stale\"")],
    );
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.text(), "the document");
    let head = send(&router, Method::HEAD, "/doc", &[("if-none-match", &tag)]);
    assert_eq!(
        head.status(),
        200,
        "HEAD of a GET route: the body was dropped, no tag"
    );
    assert_eq!(header(&head, "etag"), None);
    let stream = send(&router, Method::GET, "/stream", &[]);
    assert_eq!(
        header(&stream, "etag"),
        None,
        "a stream is not buffered to hash it"
    );
    let post = send(&router, Method::POST, "/doc", &[("if-none-match", "*")]);
    assert_eq!(post.status(), 200);
    assert_eq!(header(&post, "etag"), None);
}

#[test]
fn if_modified_since_uses_the_handlers_last_modified() {
    let router = Router::new()
        .get("/dated", || async {
            (
                [("last-modified", "Sun, 06 Nov 1994 08:49:37 GMT")],
                "dated",
            )
        })
        .layer(ConditionalGet::new());
    let later = [("if-modified-since", "Mon, 07 Nov 1994 00:00:00 GMT")];
    assert_eq!(send(&router, Method::GET, "/dated", &later).status(), 304);
    let earlier = [("if-modified-since", "Sat, 05 Nov 1994 00:00:00 GMT")];
    assert_eq!(send(&router, Method::GET, "/dated", &earlier).status(), 200);
    // If-None-Match takes precedence.
    let both = [
        ("if-modified-since", "Mon, 07 Nov 1994 00:00:00 GMT"),
        ("if-none-match", "\"stale\""),
    ];
    assert_eq!(send(&router, Method::GET, "/dated", &both).status(), 200);
}
