//! Sessions over memory stores: login, tampering, regeneration, logout, expiry, CSRF.

use edgezero_core::extract::Form;
use edgezero_core::http::{self, StatusCode};
use edgezero_core::session::{Session, Sessions};
use edgezero_core::store::kv::KvStore;
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{Body, Bytes, EdgeError, IntoResponse, Redirect, Response, Router};
use edgezero_testkit::{MemoryProvider, MemorySecrets, TestApp, TestResponse};

const STORES: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["default"],
        default: None,
    },
    config: StoreIds::NONE,
    secrets: StoreIds {
        ids: &["default"],
        default: None,
    },
};

const KEY: &str = "a session signing key of 32 bytes or more";

#[derive(serde::Deserialize)]
struct Login {
    user: String,
}

async fn login(session: Session, Form(login): Form<Login>) -> Result<Redirect, EdgeError> {
    session.regenerate();
    session.insert("user", &login.user)?;
    Ok(Redirect::see_other("/me")?)
}

async fn me(session: Session) -> Response {
    match session.get::<String>("user") {
        Some(user) => user.into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn form(session: Session) -> Result<String, EdgeError> {
    session.csrf_token()
}

async fn write(session: Session, body: String) -> StatusCode {
    if session.verify_csrf(&body) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::FORBIDDEN
    }
}

fn app_with_key(key: Option<&str>) -> TestApp {
    let router = Router::new()
        .post("/login", login)
        .get("/me", me)
        .post("/logout", |s: Session| async move {
            s.destroy();
            "bye"
        })
        .get("/form", form)
        .post("/write", write)
        .layer(Sessions::new("session_key"));
    let secrets: Vec<(&str, String)> = key
        .map(|k| ("session_key", k.to_string()))
        .into_iter()
        .collect();
    let provider = MemoryProvider::new().with_secrets("default", MemorySecrets::new(secrets));
    TestApp::with_stores(router, &STORES, &|_| None).with_provider(provider)
}

fn request(
    app: &TestApp,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: &str,
) -> TestResponse {
    let mut req = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
}

/// `session=<value>` from the response's Set-Cookie.
fn cookie_of(resp: &TestResponse) -> String {
    let set = resp.header("set-cookie").expect("a Set-Cookie");
    set.split(';').next().unwrap().to_string()
}

fn stored_keys(app: &TestApp) -> Vec<String> {
    let kv = app.provider().kv("default");
    futures_executor::block_on(kv.list_keys_page("session:", None, 100))
        .unwrap()
        .keys
}

#[test]
fn a_login_sets_a_signed_cookie_that_later_requests_use() {
    let app = app_with_key(Some(KEY));
    assert_eq!(request(&app, "GET", "/me", None, "").status(), 401);
    let resp = request(&app, "POST", "/login", None, "user=alice");
    assert_eq!(resp.status(), 303);
    let set = resp.header("set-cookie").unwrap();
    assert!(
        set.contains("; Path=/") && set.contains("; HttpOnly") && set.contains("; SameSite=Lax"),
        "{set}"
    );
    assert!(
        set.contains("; Max-Age=86400") && !set.contains("Secure"),
        "{set}"
    );
    let cookie = cookie_of(&resp);
    let me = request(&app, "GET", "/me", Some(&cookie), "");
    assert_eq!(me.text(), "alice");
    assert_eq!(
        me.header("set-cookie"),
        None,
        "nothing changed, nothing saved"
    );
    assert_eq!(stored_keys(&app).len(), 1);
}

#[test]
fn a_tampered_or_unsigned_cookie_is_no_session() {
    let app = app_with_key(Some(KEY));
    let cookie = cookie_of(&request(&app, "POST", "/login", None, "user=alice"));
    let (name_id, sig) = cookie.rsplit_once('.').unwrap();
    let id = name_id.strip_prefix("session=").unwrap();
    let flipped = if id.starts_with('0') { "1" } else { "0" };
    for forged in [
        format!("session={id}"),
        format!("session={flipped}{}.{sig}", &id[1..]),
        format!("session={id}.{}", &sig[2..]),
        "session=../../etc.x".to_string(),
    ] {
        let resp = request(&app, "GET", "/me", Some(&forged), "");
        assert_eq!(resp.status(), 401, "{forged}");
    }
}

#[test]
fn login_regenerates_the_id_and_logout_deletes_the_session() {
    let app = app_with_key(Some(KEY));
    let first = cookie_of(&request(&app, "POST", "/login", None, "user=alice"));
    let second_resp = request(&app, "POST", "/login", Some(&first), "user=bob");
    let second = cookie_of(&second_resp);
    assert_ne!(first, second);
    assert_eq!(
        request(&app, "GET", "/me", Some(&first), "").status(),
        401,
        "old id is gone"
    );
    assert_eq!(request(&app, "GET", "/me", Some(&second), "").text(), "bob");
    assert_eq!(stored_keys(&app).len(), 1);
    let out = request(&app, "POST", "/logout", Some(&second), "");
    let set = out.header("set-cookie").unwrap();
    assert!(
        set.starts_with("session=;") && set.contains("Max-Age=0"),
        "{set}"
    );
    assert_eq!(request(&app, "GET", "/me", Some(&second), "").status(), 401);
    assert!(stored_keys(&app).is_empty());
}

#[test]
fn an_expired_session_is_not_used_even_where_the_store_keeps_it() {
    let app = app_with_key(Some(KEY));
    let cookie = cookie_of(&request(&app, "POST", "/login", None, "user=alice"));
    let key = stored_keys(&app).remove(0);
    let kv = app.provider().kv("default");
    let expired = br#"{"data":{"user":"alice"},"expires":1}"#;
    futures_executor::block_on(kv.put_bytes(&key, Bytes::from_static(expired))).unwrap();
    assert_eq!(request(&app, "GET", "/me", Some(&cookie), "").status(), 401);
}

#[test]
fn a_missing_or_short_key_is_the_servers_503() {
    for key in [None, Some("too short")] {
        let app = app_with_key(key);
        let resp = request(&app, "GET", "/me", None, "");
        assert_eq!(resp.status(), 503, "{key:?}");
        assert_eq!(resp.json()["error"]["code"], "not_configured");
    }
}

#[test]
fn the_csrf_token_belongs_to_the_session() {
    let app = app_with_key(Some(KEY));
    let resp = request(&app, "GET", "/form", None, "");
    let token = resp.text();
    assert_eq!(token.len(), 32);
    let cookie = cookie_of(&resp);
    let again = request(&app, "GET", "/form", Some(&cookie), "");
    assert_eq!(again.text(), token, "one token per session");
    assert_eq!(
        request(&app, "POST", "/write", Some(&cookie), &token).status(),
        204
    );
    assert_eq!(
        request(
            &app,
            "POST",
            "/write",
            Some(&cookie),
            "0".repeat(32).as_str()
        )
        .status(),
        403
    );
    assert_eq!(request(&app, "POST", "/write", None, &token).status(), 403);
}

#[test]
fn https_requests_get_a_secure_cookie() {
    let app = app_with_key(Some(KEY));
    let req = http::Request::builder()
        .method("POST")
        .uri("https://site.example/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("user=alice"))
        .unwrap();
    let resp = app.send(req);
    assert!(resp.header("set-cookie").unwrap().contains("; Secure"));
}
