//! Basic and bearer auth and rate limiting, over memory stores.

use std::net::{IpAddr, Ipv4Addr};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use edgezero_core::extract::{ClientAddr, Extension};
use edgezero_core::http::{self, StatusCode};
use edgezero_core::middleware::{
    AuthenticatedUser, BasicAuth, BearerAuth, Credentials, CredentialsError, RateLimit,
};
use edgezero_core::store::kv::KvStore;
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{Body, Bytes, IntoResponse, Router};
use edgezero_testkit::{MemoryProvider, MemorySecrets, TestApp, TestResponse};

const STORES: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["default", "limits"],
        default: Some("default"),
    },
    config: StoreIds::NONE,
    secrets: StoreIds {
        ids: &["default"],
        default: None,
    },
};

fn app(router: Router, secrets: &[(&str, &str)]) -> TestApp {
    let provider = MemoryProvider::new().with_secrets(
        "default",
        MemorySecrets::new(secrets.iter().map(|(k, v)| (*k, v.to_string()))),
    );
    TestApp::with_stores(router, &STORES, &|_| None).with_provider(provider)
}

fn get(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut req = http::Request::builder().uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    app.send(req.body(Body::Empty).unwrap())
}

fn basic(user_password: &str) -> String {
    format!("Basic {}", STANDARD.encode(user_password))
}

async fn whoami(Extension(AuthenticatedUser(user)): Extension<AuthenticatedUser>) -> String {
    user
}

fn basic_app(secrets: &[(&str, &str)]) -> TestApp {
    let router = Router::new().get("/admin", whoami).layer(BasicAuth::new(
        "admin \"area\"",
        Credentials::secret("admin"),
    ));
    app(router, secrets)
}

#[test]
fn basic_auth_lets_the_stored_user_in_and_challenges_everyone_else() {
    let app = basic_app(&[("admin", "alice:s3cret:x")]);
    let ok = get(
        &app,
        "/admin",
        &[("authorization", &basic("alice:s3cret:x"))],
    );
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text(), "alice");
    for auth in [
        None,
        Some(basic("alice:s3cret")),
        Some(basic("alice:s3cret:x ")),
        Some(basic("bob:s3cret:x")),
        Some("Basic not-base64!".to_string()),
        Some("Bearer alice:s3cret:x".to_string()),
    ] {
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let resp = get(&app, "/admin", &headers);
        assert_eq!(resp.status(), 401, "{auth:?}");
        assert_eq!(
            resp.header("www-authenticate"),
            Some("Basic realm=\"admin area\"")
        );
        assert_eq!(resp.json()["error"]["code"], "unauthorized");
    }
}

#[test]
fn credentials_that_are_missing_or_malformed_are_the_servers_503() {
    for secrets in [
        &[][..],
        &[("admin", "no-colon")],
        &[("admin", "alice:pw\n")],
    ] {
        let app = basic_app(secrets);
        let resp = get(&app, "/admin", &[("authorization", &basic("alice:pw"))]);
        assert_eq!(resp.status(), 503, "{secrets:?}");
        assert_eq!(resp.json()["error"]["code"], "not_configured");
        assert!(
            !resp.text().contains("admin"),
            "names nothing: {}",
            resp.text()
        );
    }
}

#[test]
fn an_app_can_answer_unconfigured_credentials_itself() {
    let auth =
        BasicAuth::new("x", Credentials::kv("default", "creds")).on_unconfigured(|_ctx, why| {
            (StatusCode::FORBIDDEN, format!("set creds: {why}")).into_response()
        });
    let app = app(Router::new().get("/", whoami).layer(auth), &[]);
    let resp = get(&app, "/", &[]);
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.text(),
        format!("set creds: {}", CredentialsError::Missing)
    );
    futures_executor::block_on(async {
        let kv = app.provider().kv("default");
        kv.put_bytes("creds", Bytes::from("carol:pw"))
            .await
            .unwrap();
    });
    let resp = get(&app, "/", &[("authorization", &basic("carol:pw"))]);
    assert_eq!(resp.text(), "carol");
}

#[test]
fn bearer_auth_compares_the_token() {
    let router = Router::new()
        .post("/hook", || async { "queued" })
        .layer(BearerAuth::new("hooks", Credentials::secret("hook_token")));
    let app = app(router, &[("hook_token", "t0k3n")]);
    let send = |auth: Option<&str>| {
        let mut req = http::Request::builder().method("POST").uri("/hook");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        app.send(req.body(Body::Empty).unwrap())
    };
    assert_eq!(send(Some("Bearer t0k3n")).text(), "queued");
    assert_eq!(send(Some("bearer t0k3n")).status(), 200);
    for bad in [
        None,
        Some("Bearer t0k3"),
        Some("Bearer t0k3nn"),
        Some("Basic t0k3n"),
    ] {
        let resp = send(bad);
        assert_eq!(resp.status(), 401, "{bad:?}");
        assert_eq!(
            resp.header("www-authenticate"),
            Some("Bearer realm=\"hooks\"")
        );
    }
}

// ---- Rate limiting ----

fn from(app: &TestApp, uri: &str, ip: [u8; 4]) -> TestResponse {
    let req = http::Request::builder()
        .uri(uri)
        .extension(ClientAddr(IpAddr::V4(Ipv4Addr::from(ip))))
        .body(Body::Empty)
        .unwrap();
    app.send(req)
}

#[test]
fn each_client_gets_its_limit_then_429_with_retry_after() {
    let router = Router::new()
        .get("/api", || async { "ok" })
        .layer(RateLimit::per_minute(3).store("limits"));
    let app = app(router, &[]);
    for n in 1..=3u64 {
        let resp = from(&app, "/api", [10, 0, 0, 1]);
        assert_eq!(resp.status(), 200, "request {n}");
        assert_eq!(resp.header("ratelimit-limit"), Some("3"));
        assert_eq!(
            resp.header("ratelimit-remaining"),
            Some((3 - n).to_string().as_str())
        );
    }
    let refused = from(&app, "/api", [10, 0, 0, 1]);
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.json()["error"]["code"], "rate_limited");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
    // Another client has its own window; the count lives in the `limits` store.
    assert_eq!(from(&app, "/api", [10, 0, 0, 2]).status(), 200);
    let kv = app.provider().kv("limits");
    let page = futures_executor::block_on(kv.list_keys_page("", None, 100)).unwrap();
    let keys = page.keys;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys.iter().all(|k| k.starts_with("rate:10.0.0.")),
        "{keys:?}"
    );
}

#[test]
fn a_key_function_counts_per_key() {
    let router = Router::new().get("/api", || async { "ok" }).layer(
        RateLimit::per_minute(1).prefix("k:").key_by(|ctx| {
            ctx.headers()
                .get("x-api-key")?
                .to_str()
                .ok()
                .map(str::to_owned)
        }),
    );
    let app = app(router, &[]);
    assert_eq!(get(&app, "/api", &[("x-api-key", "a")]).status(), 200);
    assert_eq!(get(&app, "/api", &[("x-api-key", "a")]).status(), 429);
    assert_eq!(get(&app, "/api", &[("x-api-key", "b")]).status(), 200);
    // No key and no address: the shared `unknown` window.
    assert_eq!(get(&app, "/api", &[]).status(), 200);
    assert_eq!(get(&app, "/api", &[]).status(), 429);
}
