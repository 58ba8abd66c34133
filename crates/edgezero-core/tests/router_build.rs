//! Building a router: conflicting or malformed routes are reported, never a matchit panic.

use edgezero_core::router::RouteError;
use edgezero_core::{Body, Router};
use edgezero_testkit::TestApp;

async fn ok() -> &'static str {
    "ok"
}

#[test]
fn differently_named_params_are_a_conflict_naming_both_routes() {
    let err = Router::new()
        .get("/items/{id}", ok)
        .delete("/items/{item_id}", ok)
        .try_build()
        .unwrap_err();
    assert!(matches!(
        err.errors(),
        [RouteError::ParameterNames { existing, route, .. }]
            if existing == "/items/{id}" && route == "/items/{item_id}"
    ));
    let msg = err.to_string();
    assert!(msg.contains("`DELETE /items/{item_id}`"), "{msg}");
    assert!(msg.contains("`/items/{id}`"), "{msg}");
    assert!(msg.contains("use the same names"), "{msg}");
}

#[test]
fn param_and_catch_all_in_one_place_conflict() {
    let err = Router::new()
        .get("/files/{name}", ok)
        .get("/files/{*rest}", ok)
        .try_build()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("/files/{*rest}") && msg.contains("/files/{name}"),
        "{msg}"
    );
}

#[test]
fn malformed_patterns_are_reported() {
    let err = Router::new()
        .get("/a/{", ok)
        .get("/b/{*rest}/c", ok)
        .get("no-slash", ok)
        .try_build()
        .unwrap_err();
    assert_eq!(err.errors().len(), 3, "{err}");
    assert!(err.to_string().contains("must start with `/`"), "{err}");
}

#[test]
fn same_method_twice_is_reported() {
    let err = Router::new()
        .get("/a", ok)
        .get("/a", ok)
        .try_build()
        .unwrap_err();
    assert!(
        err.to_string().contains("`GET /a` is registered twice"),
        "{err}"
    );
}

#[test]
#[should_panic(expected = "conflicts with `/items/{id}`")]
fn build_panics_with_the_conflict() {
    let _ = Router::new()
        .get("/items/{id}", ok)
        .delete("/items/{item_id}", ok)
        .build();
}

#[test]
fn unchecked_invalid_router_answers_500_without_detail() {
    let router = Router::new()
        .get("/items/{id}", ok)
        .delete("/items/{item_id}", ok);
    let resp = futures_executor::block_on(router.handle(
        http::Request::get("/items/1").body(Body::Empty).unwrap(),
        edgezero_core::Stores::none(),
    ));
    assert_eq!(resp.status(), 500);
    match resp.into_body() {
        Body::Full(b) => assert!(!String::from_utf8_lossy(&b).contains("item_id")),
        other => panic!("unexpected body {other:?}"),
    }
}

#[test]
fn valid_router_builds() {
    let router = Router::new()
        .get("/items/{id}", ok)
        .delete("/items/{id}", ok)
        .try_build()
        .unwrap();
    let app = TestApp::new(router);
    assert_eq!(app.request("DELETE", "/items/1", Body::Empty).text(), "ok");
}

#[test]
fn allow_lists_each_method_once() {
    let app = TestApp::new(Router::new().get("/a", ok).head("/a", ok));
    let resp = app.request("POST", "/a", Body::Empty);
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.header("allow"), Some("GET, HEAD"));
    let app = TestApp::new(Router::new().head("/b", ok).get("/b", ok));
    let resp = app.request("POST", "/b", Body::Empty);
    assert_eq!(resp.header("allow"), Some("HEAD, GET"));
}
