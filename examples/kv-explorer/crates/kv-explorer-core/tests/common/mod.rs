//! An explorer over in-memory stores, and requests with headers.

#![allow(dead_code)] // each test file uses a different subset

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use edgezero_core::store::kv::KvStore;
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{Body, Bytes, Router};
use edgezero_testkit::{TestApp, TestResponse};
use kv_explorer_core::{BASE_PATH, CREDENTIALS_KEY};

pub const CREDENTIALS: &str = "alice:s3cret";

/// `Authorization` for `user_pass`.
pub fn basic(user_pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(user_pass))
}

/// The example app, with `credentials` under `kv-credentials` when given.
pub fn app(credentials: Option<&str>) -> TestApp {
    let app = TestApp::for_app::<kv_explorer_core::App>(&|_| None);
    if let Some(c) = credentials {
        seed(&app, "default", CREDENTIALS_KEY, c.as_bytes());
    }
    app
}

/// The explorer over two stores, `default` and `cache`, with the usual credentials.
pub fn two_stores() -> TestApp {
    const META: StoreMetadata = StoreMetadata {
        kv: StoreIds {
            ids: &["default", "cache"],
            default: Some("default"),
        },
        config: StoreIds::NONE,
        secrets: StoreIds::NONE,
    };
    let app = TestApp::with_stores(kv_explorer_core::routes(Router::new()), &META, &|_| None);
    seed(&app, "default", CREDENTIALS_KEY, CREDENTIALS.as_bytes());
    app
}

/// Writes straight into the in-memory store with platform name `label`.
pub fn seed(app: &TestApp, label: &str, key: &str, value: &[u8]) {
    futures_executor::block_on(
        app.provider()
            .kv(label)
            .put_bytes(key, Bytes::copy_from_slice(value)),
    )
    .unwrap();
}

/// What is stored under `key` in `label`, bypassing the explorer.
pub fn stored(app: &TestApp, label: &str, key: &str) -> Option<Vec<u8>> {
    futures_executor::block_on(app.provider().kv(label).get_bytes(key))
        .unwrap()
        .map(|b| b.to_vec())
}

/// A request to `BASE_PATH` + `path` with `headers`.
pub fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> TestResponse {
    let mut req = edgezero_core::http::Request::builder()
        .method(method)
        .uri(format!("{BASE_PATH}{path}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
}

/// An authorised request; writes also carry the page's header.
pub fn authed(app: &TestApp, method: &str, path: &str, body: &str) -> TestResponse {
    let auth = basic(CREDENTIALS);
    let mut headers = vec![("authorization", auth.as_str())];
    if method != "GET" {
        headers.push(("x-kv-explorer", "1"));
    }
    call(app, method, path, &headers, body)
}

/// The `error.code` of a JSON error response.
pub fn code(resp: &TestResponse) -> String {
    resp.json()["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {}", resp.text()))
        .to_string()
}
