//! Router composition (nest, merge, fallback, any, on, options, per-route middleware), the
//! head extractors, and the app-wide error renderer, through the public API.

use std::net::{IpAddr, Ipv4Addr};

use edgezero_core::extract::{
    ClientAddr, Cookies, Extension, Host, Json, MatchedPath, Path, State,
};
use edgezero_core::http::{header, HeaderValue, Method, StatusCode};
use edgezero_core::middleware::HandlerExt;
use edgezero_core::router::{ErrorPage, RouteError};
use edgezero_core::{
    Body, EdgeError, IntoResponse, Next, Request, RequestContext, Response, Router,
};
use edgezero_testkit::TestApp;

async fn ok() -> &'static str {
    "ok"
}

/// Middleware that appends its tag to `x-trail` on the way out.
fn tag(
    name: &'static str,
) -> impl Fn(RequestContext, Next) -> futures_util::future::LocalBoxFuture<'static, Response>
       + Send
       + Sync
       + 'static {
    move |ctx, next| {
        Box::pin(async move {
            let mut resp = next.run(ctx).await;
            let prev = resp
                .headers()
                .get("x-trail")
                .map(|v| v.to_str().unwrap().to_string());
            let trail = match prev {
                Some(p) => format!("{p},{name}"),
                None => name.to_string(),
            };
            resp.headers_mut().insert("x-trail", trail.parse().unwrap());
            resp
        })
    }
}

fn request(method: &str, uri: &str) -> Request {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::Empty)
        .unwrap()
}

#[test]
fn nested_routes_live_under_the_prefix_with_their_own_middleware() {
    let api = Router::new()
        .get(
            "/users/{id}",
            |Path(id): Path<u32>, MatchedPath(p): MatchedPath| async move { format!("{id} {p}") },
        )
        .get("/", ok)
        .layer(tag("api"));
    let app = TestApp::new(
        Router::new()
            .get("/users/{id}", ok)
            .nest("/api/v1/", api)
            .layer(tag("outer")),
    );
    let resp = app.get("/api/v1/users/7");
    assert_eq!(resp.text(), "7 /api/v1/users/{id}");
    // The nested router's middleware runs inside the outer router's.
    assert_eq!(resp.header("x-trail"), Some("api,outer"));
    assert_eq!(app.get("/api/v1/").text(), "ok");
    // Outside the prefix, only the outer middleware runs.
    let outside = app.get("/users/7");
    assert_eq!(outside.header("x-trail"), Some("outer"));
    assert_eq!(app.get("/api/v1").status(), StatusCode::NOT_FOUND);
    // The nested middleware also runs around its patterns' 405.
    let wrong = app.request("DELETE", "/api/v1/users/7", Body::Empty);
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.header("x-trail"), Some("api,outer"));
}

#[test]
fn a_nested_fallback_answers_under_its_prefix_only() {
    let api = Router::new()
        .get("/known", ok)
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such api") });
    let app = TestApp::new(Router::new().nest("/api", api));
    assert_eq!(app.get("/api/known").text(), "ok");
    let missing = app.get("/api/unknown/deep");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.text(), "no such api");
    assert_eq!(app.get("/api").text(), "no such api");
    // Elsewhere the default JSON 404.
    let other = app.get("/elsewhere");
    assert_eq!(other.json()["error"]["code"], "not_found");
    // A known path with the wrong method stays a 405 with Allow.
    let wrong = app.request("DELETE", "/api/known", Body::Empty);
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.header("allow"), Some("GET, HEAD"));
}

#[test]
fn a_fallback_replaces_the_404_but_not_the_405() {
    let app = TestApp::new(
        Router::new()
            .post("/form", ok)
            .fallback(|uri: http::Uri| async move {
                (StatusCode::NOT_FOUND, format!("nothing at {}", uri.path()))
            })
            .layer(tag("mw")),
    );
    let resp = app.get("/missing");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.text(), "nothing at /missing");
    assert_eq!(
        resp.header("x-trail"),
        Some("mw"),
        "middleware sees the fallback"
    );
    let wrong = app.get("/form");
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.header("allow"), Some("POST"));
}

#[test]
fn merged_routers_keep_their_middleware_to_themselves() {
    let health = Router::new().get("/health", ok).layer(tag("health"));
    let app = TestApp::new(Router::new().get("/", ok).merge(health));
    assert_eq!(app.get("/health").header("x-trail"), Some("health"));
    assert_eq!(app.get("/").header("x-trail"), None);
}

#[test]
fn composition_conflicts_are_reported_naming_both_routes() {
    let err = Router::new()
        .get("/api/items/{id}", ok)
        .nest("/api", Router::new().get("/items/{item}", ok))
        .try_build()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("/api/items/{item}") && msg.contains("/api/items/{id}"),
        "{msg}"
    );

    let err = Router::new()
        .fallback(ok)
        .merge(Router::new().fallback(ok))
        .try_build()
        .unwrap_err();
    assert!(
        matches!(err.errors(), [RouteError::TwoFallbacks { .. }]),
        "{err}"
    );

    let err = Router::new()
        .nest("api", Router::new())
        .nest("/files/{*rest}", Router::new())
        .try_build()
        .unwrap_err();
    assert_eq!(err.errors().len(), 2, "{err}");
    assert!(err.to_string().contains("must start with `/`"), "{err}");

    // A nested handler's state may come from the outer router.
    #[derive(Clone)]
    struct Name(&'static str);
    let inner = Router::new().get("/hi", |State(Name(n)): State<Name>| async move { n });
    let app = Router::new()
        .nest("/x", inner.clone())
        .with_state(Name("outer"));
    assert_eq!(TestApp::new(app).get("/x/hi").text(), "outer");
    let err = Router::new().nest("/x", inner).try_build().unwrap_err();
    assert!(
        err.to_string().contains("`GET /x/hi` reads `State<"),
        "{err}"
    );
}

#[test]
fn any_on_and_options_register_several_methods() {
    let app = TestApp::new(
        Router::new()
            .get("/r", || async { "get" })
            .any("/r", |m: Method| async move { format!("any {m}") })
            .on("/m", [Method::PUT, Method::PATCH], |m: Method| async move {
                m.to_string()
            })
            .options("/m", || async { "options" }),
    );
    assert_eq!(app.get("/r").text(), "get");
    assert_eq!(app.request("POST", "/r", Body::Empty).text(), "any POST");
    assert_eq!(
        app.request("PROPFIND", "/r", Body::Empty).text(),
        "any PROPFIND"
    );
    assert_eq!(app.request("PUT", "/m", Body::Empty).text(), "PUT");
    assert_eq!(app.request("PATCH", "/m", Body::Empty).text(), "PATCH");
    assert_eq!(app.request("OPTIONS", "/m", Body::Empty).text(), "options");
    let wrong = app.request("DELETE", "/m", Body::Empty);
    assert_eq!(wrong.header("allow"), Some("PUT, PATCH, OPTIONS"));
    let table = Router::new().any("/x", ok).route_table();
    assert_eq!(table[0].0.as_str(), "ANY");
    let err = Router::new()
        .any("/x", ok)
        .any("/x", ok)
        .try_build()
        .unwrap_err();
    assert!(
        err.to_string().contains("`ANY /x` is registered twice"),
        "{err}"
    );
}

#[test]
fn per_route_middleware_runs_for_that_route_only_inside_the_router_layers() {
    let app = TestApp::new(
        Router::new()
            .get("/a", ok.layer(tag("inner")).layer(tag("outer")))
            .get("/b", ok)
            .layer(tag("router")),
    );
    assert_eq!(app.get("/a").header("x-trail"), Some("inner,outer,router"));
    assert_eq!(app.get("/b").header("x-trail"), Some("router"));
}

#[derive(Clone, Debug, PartialEq)]
struct User(&'static str);

async fn login(mut ctx: RequestContext, next: Next) -> Response {
    ctx.extensions_mut().insert(User("ada"));
    next.run(ctx).await
}

#[test]
fn head_extractors() {
    let app = TestApp::new(
        Router::new()
            .get(
                "/me",
                (|Extension(u): Extension<User>| async move { u.0 }).layer(login),
            )
            .get("/anon", |u: Option<Extension<User>>| async move {
                format!("{:?}", u.map(|Extension(u)| u))
            })
            .get(
                "/strict",
                |Extension(u): Extension<User>| async move { u.0 },
            )
            .get("/host", |Host(h): Host| async move { h })
            .get("/cookies", |c: Cookies| async move {
                format!("{:?} {:?} {}", c.get("a"), c.get("b"), c.len())
            })
            .get("/ip", |ip: Option<ClientAddr>| async move {
                format!("{:?}", ip.map(|ClientAddr(ip)| ip))
            })
            .post("/echo", |m: MatchedPath, req: Request| async move {
                let (parts, body) = req.into_parts();
                let bytes = body.collect(1024).await.unwrap();
                let body = String::from_utf8_lossy(&bytes).into_owned();
                format!("{} {} {} {body}", m.as_str(), parts.method, parts.uri)
            }),
    );
    assert_eq!(app.get("/me").text(), "ada");
    assert_eq!(app.get("/anon").text(), "None");
    let strict = app.get("/strict");
    assert_eq!(strict.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let mut req = request("GET", "/host");
    req.headers_mut()
        .insert(header::HOST, HeaderValue::from_static("example.com:8080"));
    assert_eq!(app.send(req).text(), "example.com:8080");
    assert_eq!(
        app.send(request("GET", "https://h.test/host")).text(),
        "h.test"
    );
    assert_eq!(app.get("/host").status(), StatusCode::BAD_REQUEST);

    let mut req = request("GET", "/cookies");
    req.headers_mut()
        .insert(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
    assert_eq!(app.send(req).text(), "Some(\"1\") Some(\"2\") 2");

    assert_eq!(app.get("/ip").text(), "None");
    let mut req = request("GET", "/ip");
    let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9));
    req.extensions_mut().insert(ClientAddr(ip));
    assert_eq!(app.send(req).text(), "Some(192.0.2.9)");

    let echo = app.request("POST", "/echo?x=1", "payload");
    assert_eq!(echo.text(), "/echo POST /echo?x=1 payload");
}

fn html_errors(page: &ErrorPage<'_>) -> Response {
    let html = HeaderValue::from_static("text/html; charset=utf-8");
    let body = format!(
        "<h1>{}</h1><p>{}</p><p>{} {}</p>",
        page.status.as_u16(),
        page.escaped_message(),
        page.method,
        page.uri.path()
    );
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, html);
    resp
}

#[test]
fn an_error_renderer_renders_every_error_answer() {
    let app = TestApp::new(
        Router::new()
            .post("/json", |Json(v): Json<u32>| async move { v.to_string() })
            .get("/boom", || async {
                Err::<String, _>(EdgeError::internal("secret detail"))
            })
            .get("/teapot", || async {
                (StatusCode::IM_A_TEAPOT, "handler's own")
            })
            .get("/<script>", ok)
            .error_renderer(html_errors),
    );
    let missing = app.get("/nope");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        missing.text().starts_with("<h1>404</h1>"),
        "{}",
        missing.text()
    );
    assert!(missing.text().contains("GET /nope"));

    let wrong = app.request("DELETE", "/json", Body::Empty);
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        wrong.header("allow"),
        Some("POST"),
        "the error's headers are kept"
    );
    assert!(wrong.text().starts_with("<h1>405</h1>"));

    let rejected = app.request("POST", "/json", "7");
    assert_eq!(rejected.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        rejected.text().contains("content-type"),
        "{}",
        rejected.text()
    );

    let boom = app.get("/boom");
    assert_eq!(boom.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!boom.text().contains("secret"), "{}", boom.text());

    // A response the handler builds itself is not an error answer.
    assert_eq!(app.get("/teapot").text(), "handler's own");
    // The message is escaped for HTML.
    let escaped = app.request("PUT", "/%3Cscript%3E", Body::Empty);
    assert!(!escaped.text().contains("<script>"), "{}", escaped.text());
}
