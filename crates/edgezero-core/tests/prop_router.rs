//! Property tests: random route tables and paths never panic, and static routes answer
//! exactly as a plain string comparison says they should.

mod common;

use edgezero_core::{Body, Router, Stores};
use futures_executor::block_on;
use proptest::prelude::*;

/// Pattern text: separators, braces, catch-alls, escapes, and multi-byte letters that share
/// a first byte (`é`, `è`), which exercises byte-level prefix splitting in the matcher.
fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("/"),
            Just("{"),
            Just("}"),
            Just("{id}"),
            Just("{name}"),
            Just("{*rest}"),
            Just("{{"),
            Just("*"),
            Just("a"),
            Just("b"),
            Just("é"),
            Just("è"),
            Just("."),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

/// A static pattern: `/` followed by plain segments.
fn static_pattern() -> impl Strategy<Value = String> {
    "(/[abé.-]{0,3}){1,3}"
}

/// A request path the `http` crate accepts.
fn request_path() -> impl Strategy<Value = String> {
    "(/[abé.%0-9*{}-]{0,4}){1,4}"
}

fn dispatch(router: &Router, method: &str, path: &str) -> Option<(u16, String)> {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .body(Body::Empty)
        .ok()?;
    let resp = block_on(router.handle(req, Stores::none()));
    let status = resp.status().as_u16();
    let body = block_on(resp.into_body().collect(usize::MAX)).ok()?;
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn random_tables_never_panic(
        table in proptest::collection::vec((pattern(), 0..3usize), 0..8),
        paths in proptest::collection::vec(request_path(), 0..8),
    ) {
        let mut router = Router::new();
        for (i, (p, m)) in table.iter().enumerate() {
            let handler = move || async move { i.to_string() };
            router = match m {
                0 => router.get(p, handler),
                1 => router.post(p, handler),
                _ => router.delete(p, handler),
            };
        }
        let checked = router.clone().try_build();
        if let Err(e) = &checked {
            prop_assert!(!e.errors().is_empty());
            prop_assert!(!e.to_string().is_empty());
        }
        for path in &paths {
            for method in ["GET", "HEAD", "POST", "PUT"] {
                if let Some((status, _)) = dispatch(&router, method, path) {
                    prop_assert!(status < 600);
                    if checked.is_err() {
                        prop_assert_eq!(status, 500);
                    }
                }
            }
        }
    }

    #[test]
    fn static_routes_match_like_string_equality(
        table in proptest::collection::btree_set(static_pattern(), 0..8),
        extra in proptest::collection::vec(request_path(), 0..8),
    ) {
        let table: Vec<String> = table.into_iter().collect();
        let mut router = Router::new();
        for (i, p) in table.iter().enumerate() {
            router = router.get(p, move || async move { i.to_string() });
        }
        let router = router.try_build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        for path in table.iter().chain(&extra) {
            let Some((status, body)) = dispatch(&router, "GET", path) else {
                continue;
            };
            // The request URI is normalised by `http`; compare with what the router sees.
            let seen: http::Uri = path.parse().unwrap();
            match table.iter().position(|p| p == seen.path()) {
                Some(i) => {
                    prop_assert_eq!(status, 200);
                    prop_assert_eq!(body, i.to_string());
                }
                None => prop_assert_eq!(status, 404),
            }
            let (post, _) = dispatch(&router, "POST", path).unwrap();
            prop_assert_eq!(post, if table.iter().any(|p| p == seen.path()) { 405 } else { 404 });
        }
    }
}
