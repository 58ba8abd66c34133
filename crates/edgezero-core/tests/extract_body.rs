//! Body extractors: `Option<Json<T>>` is `None` only for an empty body, the raw `Body` is held
//! to the body limit, and a JSON body must say it is JSON (`LenientJson` also takes none).

use edgezero_core::body::BoxError;
use edgezero_core::extract::{Json, LenientJson, Query};
use edgezero_core::{Body, Bytes, EdgeError, Router};
use edgezero_testkit::TestApp;
use futures_util::StreamExt;
use serde::Deserialize;

#[derive(Deserialize)]
struct Item {
    name: String,
}

async fn maybe(item: Option<Json<Item>>) -> String {
    match item {
        Some(Json(i)) => i.name,
        None => "none".into(),
    }
}

async fn strict(Json(item): Json<Item>) -> String {
    item.name
}

async fn lenient(LenientJson(item): LenientJson<Item>) -> String {
    item.name
}

async fn maybe_lenient(item: Option<LenientJson<Item>>) -> String {
    item.map_or("none".into(), |LenientJson(i)| i.name)
}

async fn count(mut body: Body) -> Result<String, EdgeError> {
    let mut n = 0;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(c) => n += c.len(),
            Err(e) => return Err(*e.downcast::<EdgeError>().expect("a 413 EdgeError")),
        }
    }
    Ok(n.to_string())
}

async fn paging(q: Option<Query<Paging>>) -> String {
    q.map_or("none".into(), |Query(p)| p.limit.to_string())
}

#[derive(Deserialize)]
struct Paging {
    limit: u32,
}

fn app() -> TestApp {
    TestApp::new(
        Router::new()
            .post("/maybe", maybe)
            .post("/strict", strict)
            .post("/lenient", lenient)
            .post("/maybe-lenient", maybe_lenient)
            .post("/count", count)
            .get("/paging", paging),
    )
    .with_body_limit(16)
}

fn post(app: &TestApp, uri: &str, content_type: Option<&[u8]>, body: Body) -> (u16, String) {
    let mut req = http::Request::post(uri);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = app.send(req.body(body).unwrap());
    (resp.status().as_u16(), resp.text())
}

fn stream(chunks: usize) -> Body {
    let items: Vec<Result<Bytes, BoxError>> = (0..chunks)
        .map(|_| Ok(Bytes::from_static(b"0123456789")))
        .collect();
    Body::from_stream(futures_util::stream::iter(items))
}

const JSON: Option<&[u8]> = Some(b"application/json");

#[test]
fn optional_json_is_none_only_for_an_empty_body() {
    let app = app();
    assert_eq!(
        post(&app, "/maybe", JSON, Body::Empty),
        (200, "none".into())
    );
    assert_eq!(
        post(&app, "/maybe", None, Body::from("")),
        (200, "none".into())
    );
    assert_eq!(
        post(&app, "/maybe", JSON, Body::from(r#"{"name":"a"}"#)),
        (200, "a".into())
    );
}

#[test]
fn optional_json_propagates_400_413_and_415() {
    let app = app();
    assert_eq!(post(&app, "/maybe", JSON, Body::from("{bad")).0, 400);
    assert_eq!(
        post(
            &app,
            "/maybe",
            JSON,
            Body::from(r#"{"name":"far too long"}"#)
        )
        .0,
        413
    );
    assert_eq!(post(&app, "/maybe", JSON, stream(3)).0, 413);
    assert_eq!(
        post(
            &app,
            "/maybe",
            Some(b"text/plain"),
            Body::from(r#"{"name":"a"}"#)
        )
        .0,
        415
    );
}

#[test]
fn optional_query_is_none_only_without_a_query() {
    let app = app();
    assert_eq!(app.get("/paging").text(), "none");
    assert_eq!(app.get("/paging?limit=5").text(), "5");
    assert_eq!(app.get("/paging?limit=many").status(), 400);
}

#[test]
fn json_without_content_type_is_415_unless_lenient() {
    let app = app();
    // A body without a type is what a page on another site can send without a preflight.
    let (status, body) = post(&app, "/strict", None, Body::from(r#"{"name":"a"}"#));
    assert_eq!(status, 415, "{body}");
    assert!(
        body.contains("no content-type") && body.contains("application/json"),
        "{body}"
    );
    assert_eq!(
        post(&app, "/maybe", None, Body::from(r#"{"name":"a"}"#)).0,
        415
    );
    let ld = post(
        &app,
        "/strict",
        Some(b"application/ld+json"),
        Body::from(r#"{"name":"b"}"#),
    );
    assert_eq!(ld, (200, "b".into()));

    // The explicit opt-in takes a missing type, and still refuses an explicit other one.
    assert_eq!(
        post(&app, "/lenient", None, Body::from(r#"{"name":"c"}"#)),
        (200, "c".into())
    );
    assert_eq!(
        post(
            &app,
            "/lenient",
            Some(b"text/plain"),
            Body::from(r#"{"name":"c"}"#)
        )
        .0,
        415
    );
    assert_eq!(
        post(&app, "/lenient", Some(b"application/json"), Body::from("{")).0,
        400
    );
    assert_eq!(
        post(&app, "/maybe-lenient", None, Body::Empty),
        (200, "none".into())
    );
    assert_eq!(
        post(&app, "/maybe-lenient", None, Body::from(r#"{"name":"d"}"#)),
        (200, "d".into())
    );
}

#[test]
fn explicit_non_json_content_type_is_415() {
    let app = app();
    let (status, body) = post(
        &app,
        "/strict",
        Some(b"text/plain"),
        Body::from(r#"{"name":"a"}"#),
    );
    assert_eq!(status, 415);
    assert!(body.contains("application/json"), "{body}");
    let (status, _) = post(
        &app,
        "/strict",
        Some(b"\xffbinary"),
        Body::from(r#"{"name":"a"}"#),
    );
    assert_eq!(
        status, 415,
        "an unreadable content-type is not a missing one"
    );
}

#[test]
fn raw_body_is_held_to_the_body_limit() {
    let app = app();
    assert_eq!(post(&app, "/count", None, stream(1)), (200, "10".into()));
    assert_eq!(post(&app, "/count", None, stream(2)).0, 413);
    assert_eq!(
        post(&app, "/count", None, Body::from("x".repeat(17))).0,
        413
    );
    assert_eq!(
        post(&app, "/count", None, Body::from("x".repeat(16))),
        (200, "16".into())
    );
}
