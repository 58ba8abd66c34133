//! The JSON API: stores, listing with prefix and paging, values, writes, deletes, and the
//! credentials key kept out of all of them.

mod common;

use common::{app, authed, code, seed, stored, two_stores, CREDENTIALS};
use serde_json::json;

#[test]
fn stores_lists_the_declared_ids() {
    let one = authed(&app(Some(CREDENTIALS)), "GET", "/api/stores", "");
    assert_eq!(
        one.json(),
        json!({"stores": ["default"], "default": "default"})
    );
    let two = authed(&two_stores(), "GET", "/api/stores", "");
    assert_eq!(
        two.json(),
        json!({"stores": ["default", "cache"], "default": "default"})
    );
}

#[test]
fn listing_pages_by_cursor_and_filters_by_prefix() {
    let app = app(Some(CREDENTIALS));
    for i in 0..7 {
        seed(&app, "default", &format!("item:{i:02}"), b"v");
    }
    seed(&app, "default", "other", b"v");

    let all = authed(&app, "GET", "/api/keys", "").json();
    let mut want: Vec<String> = (0..7).map(|i| format!("item:{i:02}")).collect();
    want.push("other".into());
    assert_eq!(all["keys"], json!(want), "kv-credentials is never listed");
    assert_eq!(all["cursor"], json!(null));

    let first = authed(&app, "GET", "/api/keys?prefix=item:&limit=5", "").json();
    assert_eq!(first["keys"], json!(want[..5]));
    assert_eq!(first["prefix"], "item:");
    let cursor = first["cursor"].as_str().expect("a second page").to_string();
    let second = authed(
        &app,
        "GET",
        &format!("/api/keys?prefix=item:&limit=5&cursor={cursor}"),
        "",
    )
    .json();
    assert_eq!(second["keys"], json!(["item:05", "item:06"]));
    assert_eq!(second["cursor"], json!(null));

    let none = authed(&app, "GET", "/api/keys?prefix=zzz", "").json();
    assert_eq!(none["keys"], json!([]));

    // Bad paging input is a 400, never a panic.
    for bad in [
        format!("/api/keys?prefix=other&cursor={cursor}"),
        "/api/keys?cursor=garbage".to_string(),
        "/api/keys?limit=0".to_string(),
        "/api/keys?limit=1001".to_string(),
        "/api/keys?limit=many".to_string(),
    ] {
        let resp = authed(&app, "GET", &bad, "");
        assert_eq!(resp.status(), 400, "{bad}: {}", resp.text());
        assert_eq!(code(&resp), "bad_request");
    }
}

#[test]
fn the_credentials_key_never_takes_up_a_page() {
    let app = app(Some(CREDENTIALS));
    seed(&app, "default", "a", b"v");
    seed(&app, "default", "z", b"v");
    // Page size 1: `a`, then `kv-credentials` (skipped), then `z`.
    let first = authed(&app, "GET", "/api/keys?limit=1", "").json();
    assert_eq!(first["keys"], json!(["a"]));
    let cursor = first["cursor"].as_str().unwrap();
    let second = authed(
        &app,
        "GET",
        &format!("/api/keys?limit=1&cursor={cursor}"),
        "",
    )
    .json();
    assert_eq!(second["keys"], json!(["z"]));
    assert_eq!(second["cursor"], json!(null));
    let only = authed(&app, "GET", "/api/keys?prefix=kv-", "").json();
    assert_eq!(only["keys"], json!([]));
    assert_eq!(only["cursor"], json!(null));
}

#[test]
fn the_credentials_key_cannot_be_read_written_or_deleted() {
    let app = app(Some(CREDENTIALS));
    for method in ["GET", "PUT", "DELETE"] {
        for path in [
            "/api/key/kv-credentials",
            "/api/key/kv-credentials?store=default",
        ] {
            let resp = authed(&app, method, path, "mallory:pw");
            assert_eq!(resp.status(), 403, "{method} {path}: {}", resp.text());
            assert_eq!(code(&resp), "reserved_key");
            assert!(!resp.text().contains("s3cret"));
        }
    }
    assert_eq!(
        stored(&app, "default", "kv-credentials"),
        Some(CREDENTIALS.as_bytes().to_vec())
    );
    // The same key in another store is an ordinary key.
    let app = two_stores();
    let put = authed(&app, "PUT", "/api/key/kv-credentials?store=cache", "x");
    assert_eq!(put.status(), 204, "{}", put.text());
    let listed = authed(&app, "GET", "/api/keys?store=cache", "").json();
    assert_eq!(listed["keys"], json!(["kv-credentials"]));
}

#[test]
fn values_round_trip_as_text_or_hex() {
    let app = app(Some(CREDENTIALS));
    assert_eq!(authed(&app, "GET", "/api/key/greeting", "").status(), 404);
    let put = authed(&app, "PUT", "/api/key/greeting", "héllo\nworld");
    assert_eq!(put.status(), 204, "{}", put.text());
    assert_eq!(
        stored(&app, "default", "greeting"),
        Some("héllo\nworld".as_bytes().to_vec())
    );
    let got = authed(&app, "GET", "/api/key/greeting", "");
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(
        got.json(),
        json!({"store": "default", "key": "greeting", "size": 12, "encoding": "utf-8", "value": "héllo\nworld"})
    );

    seed(&app, "default", "blob", &[0x00, 0xff, 0x10, b'a']);
    seed(&app, "default", "bell", b"ding\x07");
    let blob = authed(&app, "GET", "/api/key/blob", "").json();
    assert_eq!(blob["encoding"], "hex");
    assert_eq!(blob["value"], "00ff1061");
    assert_eq!(blob["size"], 4);
    let bell = authed(&app, "GET", "/api/key/bell", "").json();
    assert_eq!(
        bell["encoding"], "hex",
        "control characters are shown as hex"
    );

    // Keys with `/` and encoded characters.
    let put = authed(&app, "PUT", "/api/key/a%2Fb%20c/d", "x");
    assert_eq!(put.status(), 204);
    assert_eq!(stored(&app, "default", "a/b c/d"), Some(b"x".to_vec()));
    assert_eq!(
        authed(&app, "GET", "/api/key/a/b%20c/d", "").json()["key"],
        "a/b c/d"
    );

    let del = authed(&app, "DELETE", "/api/key/greeting", "");
    assert_eq!(del.status(), 204);
    assert_eq!(stored(&app, "default", "greeting"), None);
    let again = authed(&app, "DELETE", "/api/key/greeting", "");
    assert_eq!(again.status(), 404);
    assert_eq!(code(&again), "not_found");
}

#[test]
fn invalid_keys_are_400s() {
    let app = app(Some(CREDENTIALS));
    let long = "k".repeat(600);
    for path in [format!("/api/key/{long}"), "/api/key/a%00b".to_string()] {
        for method in ["GET", "PUT", "DELETE"] {
            let resp = authed(&app, method, &path, "v");
            assert_eq!(resp.status(), 400, "{method} {path}: {}", resp.text());
        }
    }
}

#[test]
fn the_store_parameter_picks_a_declared_store() {
    let app = two_stores();
    assert_eq!(
        authed(&app, "PUT", "/api/key/k?store=cache", "c").status(),
        204
    );
    assert_eq!(stored(&app, "cache", "k"), Some(b"c".to_vec()));
    assert_eq!(stored(&app, "default", "k"), None);
    assert_eq!(
        authed(&app, "GET", "/api/key/k?store=cache", "").json()["value"],
        "c"
    );
    assert_eq!(authed(&app, "GET", "/api/key/k", "").status(), 404);

    for (path, status) in [
        ("/api/keys?store=nope", 404),
        ("/api/key/k?store=nope", 404),
        ("/api/keys?store=", 400),
        ("/api/key/k?store=", 400),
    ] {
        let resp = authed(&app, "GET", path, "");
        assert_eq!(resp.status(), status, "{path}: {}", resp.text());
        if status == 404 {
            assert!(
                resp.text().contains("declares: default, cache"),
                "{}",
                resp.text()
            );
        }
    }
    let put = authed(&app, "PUT", "/api/key/k?store=nope", "v");
    assert_eq!(put.status(), 404);
}

#[test]
fn the_credentials_key_stays_hidden_under_another_id_of_the_same_store() {
    const META: edgezero_core::store::StoreMetadata = edgezero_core::store::StoreMetadata {
        kv: edgezero_core::store::StoreIds {
            ids: &["default", "alias"],
            default: Some("default"),
        },
        config: edgezero_core::store::StoreIds::NONE,
        secrets: edgezero_core::store::StoreIds::NONE,
    };
    // `alias` is given the platform store of `default`.
    let env = |k: &str| (k == "EDGEZERO__STORES__KV__ALIAS__NAME").then(|| "default".to_string());
    let app = edgezero_testkit::TestApp::with_stores(
        kv_explorer_core::routes(edgezero_core::Router::new()),
        &META,
        &env,
    );
    seed(&app, "default", "kv-credentials", CREDENTIALS.as_bytes());
    for method in ["GET", "PUT", "DELETE"] {
        let resp = authed(&app, method, "/api/key/kv-credentials?store=alias", "x");
        assert_eq!(resp.status(), 403, "{method}: {}", resp.text());
        assert!(!resp.text().contains("s3cret"));
    }
    let listed = authed(&app, "GET", "/api/keys?store=alias", "").json();
    assert!(!listed.to_string().contains("kv-credentials"), "{listed}");
}

#[test]
fn keys_named_dot_and_dot_dot_are_refused_by_the_key_rules_not_misrouted() {
    // The page sends their dots encoded, so they reach the key route (not `api/`).
    let app = app(Some(CREDENTIALS));
    for (path, key) in [("/api/key/%2E%2E", ".."), ("/api/key/%2E", ".")] {
        let resp = authed(&app, "GET", path, "");
        assert_eq!(resp.status(), 400, "{path}: {}", resp.text());
        assert!(resp.text().contains(&format!("`{key}`")), "{}", resp.text());
    }
}
