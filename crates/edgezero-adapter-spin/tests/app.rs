//! Requests through a router with Spin stores: the HTTP statuses of the Spin constraints.

mod common;

use std::rc::Rc;
use std::time::Duration;

use common::{stores, FakeHost, KV_API};
use edgezero_core::extract::{Kv, Path};
use edgezero_core::http::StatusCode;
use edgezero_core::{Body, Bytes, EdgeError, RequestContext, Router};
use futures_executor::block_on;

async fn put_ttl(
    Kv(kv): Kv,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<StatusCode, EdgeError> {
    kv.put_bytes_with_ttl(&key, body, Duration::from_secs(300))
        .await?;
    Ok(StatusCode::CREATED)
}

async fn list(Kv(kv): Kv) -> Result<String, EdgeError> {
    Ok(kv.list_keys_page("", None, 100).await?.keys.join(","))
}

fn send(
    host: &Rc<FakeHost>,
    env: &[(&str, &str)],
    method: &str,
    uri: &str,
    body: &'static str,
) -> (StatusCode, String) {
    let router = Router::new().put("/kv/{key}", put_ttl).get("/kv", list);
    let req = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    let ctx = RequestContext::new(req, stores(Rc::clone(host), &KV_API, env));
    let resp = block_on(router.dispatch(ctx));
    let status = resp.status();
    let bytes = block_on(resp.into_body().collect(usize::MAX)).unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[test]
fn ttl_write_is_501_and_writes_nothing() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    let (status, body) = send(&host, &[], "PUT", "/kv/session", "v");
    assert_eq!(status, 501);
    assert!(body.contains("put_bytes_with_ttl"), "{body}");
    assert_eq!(host.counters.writes.get(), 0);
    assert!(host.label("data").borrow().is_empty());
}

#[test]
fn listing_over_the_cap_is_503_naming_the_variable() {
    let host = Rc::new(FakeHost::granting(&["data"]));
    host.seed("data", (0..3).map(|i| (format!("k{i}"), b"v".to_vec())));
    let env = [("EDGEZERO__STORES__KV__DATA__MAX_LIST_KEYS", "2")];
    let (status, body) = send(&host, &env, "GET", "/kv", "");
    assert_eq!(status, 503);
    assert!(
        body.contains("EDGEZERO__STORES__KV__DATA__MAX_LIST_KEYS"),
        "{body}"
    );
    let (status, body) = send(&host, &[], "GET", "/kv", "");
    assert_eq!((status, body.as_str()), (StatusCode::OK, "k0,k1,k2"));
}

#[test]
fn a_label_not_granted_is_503_without_leaking_the_fix() {
    let host = Rc::new(FakeHost::granting(&[]));
    let (status, body) = send(&host, &[], "GET", "/kv", "");
    assert_eq!(status, 503);
    assert!(
        body.contains("`data`") && !body.contains("spin.toml"),
        "{body}"
    );
}
