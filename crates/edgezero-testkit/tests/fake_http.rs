//! Handlers that call origins, tested with the fake client: the extractor, the helpers,
//! the proxy rules and the error statuses.

use std::rc::Rc;

use edgezero_core::extract::Path;
use edgezero_core::fetch::{forward_request, forward_response, Client, FetchError};
use edgezero_core::http::{HeaderMap, Method, Uri};
use edgezero_core::{Body, EdgeError, Json, Request, Response, Router};
use edgezero_testkit::{FakeHttp, TestApp};

async fn status(Client(http): Client) -> Result<Json<serde_json::Value>, EdgeError> {
    Ok(Json(http.get_json("https://origin.test/health").await?))
}

async fn proxy(
    Client(http): Client,
    Path(rest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, EdgeError> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    let out = forward_request(
        request,
        "https://origin.test/v1",
        &rest,
        Some("203.0.113.9"),
    )?;
    Ok(forward_response(http.send(out).await?))
}

fn router() -> Router {
    Router::new()
        .get("/status", status)
        .post("/api/{*rest}", proxy)
        .get("/api/{*rest}", proxy)
}

#[test]
fn handlers_reach_origins_through_the_client() {
    let fake = Rc::new(
        FakeHttp::new()
            .respond(
                "https://origin.test/health",
                200,
                &[("content-type", "application/json")],
                r#"{"ok":true}"#,
            )
            .respond(
                "https://origin.test/v1/items",
                201,
                &[
                    ("set-cookie", "a=1"),
                    ("set-cookie", "b=2"),
                    ("connection", "close"),
                ],
                "made",
            )
            .fail("https://origin.test/v1/slow", |host| FetchError::Timeout {
                host: host.to_string(),
                timeout: std::time::Duration::from_secs(30),
            })
            .fail("https://origin.test/v1/denied", |host| {
                FetchError::NotAllowed {
                    host: host.to_string(),
                    fix: "add it".into(),
                }
            }),
    );
    let app = TestApp::new(router()).with_http_client(fake.clone());
    assert_eq!(app.get("/status").json(), serde_json::json!({"ok": true}));
    let made = app.request("POST", "/api/items?x=1", "payload");
    assert_eq!(made.status(), 201);
    assert_eq!(made.headers().get_all("set-cookie").iter().count(), 2);
    assert!(made.headers().get("connection").is_none());
    let seen = fake.requests();
    let last = seen.last().unwrap();
    assert_eq!(last.uri, "https://origin.test/v1/items?x=1");
    assert_eq!(last.body.as_ref(), b"payload");
    assert!(last
        .headers
        .iter()
        .any(|(k, v)| k == "x-forwarded-for" && v == "203.0.113.9"));
    assert_eq!(app.get("/api/slow").status(), 504);
    assert_eq!(app.get("/api/denied").status(), 502);
    assert_eq!(app.get("/api/nowhere").status(), 502);
}

#[test]
fn without_a_client_the_extractor_is_a_501() {
    let app = TestApp::new(router());
    assert_eq!(app.get("/status").status(), 501);
}
