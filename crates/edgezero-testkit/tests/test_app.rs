//! `TestApp` reports what a real client would see, including a body that breaks mid-stream.

use edgezero_core::body::BoxError;
use edgezero_core::{Body, Bytes, Router};
use edgezero_testkit::TestApp;

fn broken_stream() -> Body {
    let items: Vec<Result<Bytes, BoxError>> = vec![
        Ok(Bytes::from_static(b"partial")),
        Err("upstream connection reset".into()),
    ];
    Body::from_stream(futures_util::stream::iter(items))
}

fn app() -> TestApp {
    TestApp::new(Router::new().get("/broken", || async { broken_stream() }))
}

#[test]
fn try_send_returns_the_stream_error() {
    let err = app()
        .try_send(http::Request::get("/broken").body(Body::Empty).unwrap())
        .unwrap_err();
    assert_eq!(err.status, 200);
    assert_eq!(err.received, 7);
    assert!(
        err.to_string().contains("upstream connection reset"),
        "{err}"
    );
}

#[test]
#[should_panic(expected = "the response body of GET /broken failed")]
fn send_fails_the_test_on_a_stream_error() {
    let _ = app().get("/broken");
}

#[test]
#[should_panic(expected = "conflicts with `/items/{id}`")]
fn an_invalid_router_fails_the_test_at_once() {
    let _ = TestApp::new(
        Router::new()
            .get("/items/{id}", || async { "" })
            .delete("/items/{item_id}", || async { "" }),
    );
}
