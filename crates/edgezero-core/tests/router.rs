//! Router behaviour through the public API: routing, extractors, errors, middleware, stores.

use edgezero_core::extract::{Form, Json, Kv, Path, Query, State, Stores};
use edgezero_core::http::StatusCode;
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{Body, EdgeError, Next, Redirect, RequestContext, Response, Router};
use edgezero_testkit::TestApp;
use serde::Deserialize;

async fn hello(Path(name): Path<String>) -> String {
    format!("hello {name}")
}

async fn add(Path((a, b)): Path<(i64, i64)>) -> Json<i64> {
    Json(a + b)
}

#[derive(Deserialize)]
struct Page {
    limit: u32,
    q: Option<String>,
}

async fn search(Query(p): Query<Page>) -> Json<serde_json::Value> {
    Json(serde_json::json!({"limit": p.limit, "q": p.q}))
}

#[derive(Deserialize, serde::Serialize)]
struct Item {
    name: String,
}

async fn create(Json(item): Json<Item>) -> (StatusCode, Json<Item>) {
    (StatusCode::CREATED, Json(item))
}

async fn form(Form(item): Form<Item>) -> String {
    item.name
}

fn router() -> Router {
    Router::new()
        .get("/hello/{name}", hello)
        .get("/add/{a}/{b}", add)
        .get("/search", search)
        .post("/items", create)
        .put("/items", create)
        .post("/form", form)
        .get("/go", || async { Redirect::permanent("/there") })
        .get("/fail", || async {
            Err::<(), _>(EdgeError::internal("secret detail"))
        })
}

#[test]
fn path_params_decode_and_parse_numbers() {
    let app = TestApp::new(router());
    assert_eq!(app.get("/hello/w%C3%B6rld").text(), "hello wörld");
    assert_eq!(app.get("/add/40/2").json(), 42);
    let bad = app.get("/add/forty/2");
    assert_eq!(bad.status(), 400);
    assert!(bad.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`a` must be an integer"));
}

#[test]
fn query_extractor() {
    let app = TestApp::new(router());
    assert_eq!(
        app.get("/search?limit=5&q=x").json(),
        serde_json::json!({"limit": 5, "q": "x"})
    );
    let resp = app.get("/search?limit=many");
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json()["error"]["code"], "bad_request");
}

#[test]
fn not_found_is_json() {
    let resp = TestApp::new(router()).get("/nope");
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.json()["error"]["status"], 404);
}

#[test]
fn wrong_method_is_405_with_allow() {
    let app = TestApp::new(router());
    let resp = app.request("DELETE", "/items", Body::Empty);
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.header("allow"), Some("POST, PUT"));
    let resp = app.request("POST", "/hello/x", Body::Empty);
    assert_eq!(resp.header("allow"), Some("GET, HEAD"));
}

#[test]
fn head_uses_get_without_body() {
    let resp = TestApp::new(router()).request("HEAD", "/hello/bob", Body::Empty);
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().is_empty());
    assert_eq!(resp.header("content-length"), Some("9"));
}

#[test]
fn json_body_rules() {
    let app = TestApp::new(router());
    let ok = app.send(
        http::Request::post("/items")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"name":"a"}"#))
            .unwrap(),
    );
    assert_eq!(ok.status(), 201);
    assert_eq!(ok.json()["name"], "a");
    let bad = app.send(
        http::Request::post("/items")
            .header("content-type", "application/json")
            .body(Body::from("{nope"))
            .unwrap(),
    );
    assert_eq!(bad.status(), 400);
    assert!(bad.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON body"));
    let wrong_type = app.send(
        http::Request::post("/items")
            .header("content-type", "text/plain")
            .body(Body::from("{}"))
            .unwrap(),
    );
    assert_eq!(wrong_type.status(), 415);
    let untyped = app.request("POST", "/items", r#"{"name":"a"}"#);
    assert_eq!(untyped.status(), 415, "a JSON body must say it is JSON");
}

#[test]
fn form_body() {
    let app = TestApp::new(router());
    let resp = app.send(
        http::Request::post("/form")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("name=a+b"))
            .unwrap(),
    );
    assert_eq!(resp.text(), "a b");
}

#[test]
fn redirect_sets_location() {
    let resp = TestApp::new(router()).get("/go");
    assert_eq!(resp.status(), 308);
    assert_eq!(resp.header("location"), Some("/there"));
}

#[test]
fn internal_errors_do_not_leak() {
    let resp = TestApp::new(router()).get("/fail");
    assert_eq!(resp.status(), 500);
    assert!(!resp.text().contains("secret detail"));
}

async fn tag(ctx: RequestContext, next: Next) -> Response {
    let route = ctx.matched_route().map(str::to_string);
    let mut resp = next.run(ctx).await;
    resp.headers_mut().insert("x-tag", "outer".parse().unwrap());
    assert!(route.is_none(), "middleware runs before routing");
    resp
}

#[test]
fn middleware_sees_404_and_405() {
    let app = TestApp::new(router().layer(tag));
    assert_eq!(app.get("/nope").header("x-tag"), Some("outer"));
    assert_eq!(
        app.request("DELETE", "/items", Body::Empty).header("x-tag"),
        Some("outer")
    );
    assert_eq!(app.get("/hello/a").header("x-tag"), Some("outer"));
}

#[test]
fn middleware_runs_in_order() {
    let app = TestApp::new(
        Router::new()
            .get("/", |h: http::HeaderMap| async move {
                h.get("x-order")
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default()
            })
            .layer(|mut ctx: RequestContext, next: Next| async move {
                ctx.headers_mut()
                    .insert("x-order", "first".parse().unwrap());
                next.run(ctx).await
            })
            .layer(|mut ctx: RequestContext, next: Next| async move {
                let prev = ctx.headers()["x-order"].to_str().unwrap().to_string();
                ctx.headers_mut()
                    .insert("x-order", format!("{prev},second").parse().unwrap());
                next.run(ctx).await
            }),
    );
    assert_eq!(app.get("/").text(), "first,second");
}

#[derive(Clone)]
struct Greeting(&'static str);

#[test]
fn shared_state() {
    let app = TestApp::new(
        Router::new()
            .get("/", |State(g): State<Greeting>| async move { g.0 })
            .with_state(Greeting("hi")),
    );
    assert_eq!(app.get("/").text(), "hi");
    // A state no one registers is found when the router is built, not per request.
    let err = Router::new()
        .get("/", |State(g): State<Greeting>| async move { g.0 })
        .try_build()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("`GET /` reads `State<router::Greeting>`"),
        "{msg}"
    );
    assert!(msg.contains(".with_state("), "{msg}");
    // `Option<State<_>>` is how a handler says the state may be missing.
    let optional = TestApp::new(
        Router::new().get("/", |g: Option<State<Greeting>>| async move {
            g.map_or("none", |State(g)| g.0)
        }),
    );
    assert_eq!(optional.get("/").text(), "none");
}

const META: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["sessions", "cache"],
        default: Some("sessions"),
    },
    config: StoreIds::NONE,
    secrets: StoreIds::NONE,
};

async fn count(Kv(kv): Kv) -> Result<Json<u64>, EdgeError> {
    let n = kv.get_json::<u64>("n").await?.unwrap_or(0) + 1;
    kv.put_json("n", &n).await?;
    Ok(Json(n))
}

async fn cache(stores: Stores, Path(key): Path<String>) -> Result<String, EdgeError> {
    let cache = stores.kv("cache").await?;
    let again = stores.kv("cache").await?;
    again.put_bytes(&key, "x").await?;
    Ok(format!("{}", cache.exists(&key).await?))
}

#[test]
fn stores_open_lazily_once_and_follow_env_names() {
    let env =
        |k: &str| (k == "EDGEZERO__STORES__KV__CACHE__NAME").then(|| "shared-cache".to_string());
    let app = TestApp::with_stores(
        Router::new()
            .get("/n", count)
            .get("/c/{key}", cache)
            .get("/none", || async { "" }),
        &META,
        &env,
    );
    assert_eq!(app.get("/none").status(), 200);
    assert!(
        app.provider().opened().is_empty(),
        "a request that uses no store opens none"
    );
    assert_eq!(app.get("/n").json(), 1);
    assert_eq!(app.get("/n").json(), 2);
    assert_eq!(app.get("/c/k").text(), "true");
    assert_eq!(
        app.provider().opened(),
        ["kv:sessions", "kv:sessions", "kv:shared-cache"]
    );
}

/// Opens both stores, each twice, in an interleaved order, and names the handle it got each
/// time.
async fn both(stores: Stores) -> Result<String, EdgeError> {
    let mut ids = Vec::new();
    for id in ["cache", "sessions", "cache", "sessions"] {
        ids.push(stores.kv(id).await?.id().to_string());
    }
    ids.push(stores.default_kv().await?.id().to_string());
    Ok(ids.join(","))
}

#[test]
fn a_request_opens_each_of_several_stores_once() {
    let app = TestApp::with_stores(Router::new().get("/both", both), &META, &|_| None);
    assert_eq!(
        app.get("/both").text(),
        "cache,sessions,cache,sessions,sessions"
    );
    assert_eq!(app.provider().opened(), ["kv:cache", "kv:sessions"]);
    app.get("/both");
    assert_eq!(
        app.provider().opened(),
        ["kv:cache", "kv:sessions", "kv:cache", "kv:sessions"],
        "every request opens its own handles"
    );
}

#[test]
fn unknown_store_is_500_without_detail() {
    let app = TestApp::with_stores(
        Router::new().get(
            "/",
            |s: Stores| async move { s.kv("nope").await.map(|_| "") },
        ),
        &META,
        &|_| None,
    );
    let resp = app.get("/");
    assert_eq!(resp.status(), 500);
    assert_eq!(resp.json()["error"]["message"], "internal server error");
}

#[test]
fn kv_validation_is_400() {
    let app = TestApp::with_stores(
        Router::new().get(
            "/",
            |Kv(kv): Kv| async move { kv.put_bytes("..", "x").await },
        ),
        &META,
        &|_| None,
    );
    assert_eq!(app.get("/").status(), 400);
}

/// Providers that open their KV stores at once ([`StoreProvider::open_kv_now`]).
mod opened_at_once {
    use std::rc::Rc;
    use std::sync::Arc;

    use edgezero_core::store::config::{ConfigError, ConfigStore};
    use edgezero_core::store::kv::{KvError, KvStore};
    use edgezero_core::store::secrets::{SecretError, SecretStore};
    use edgezero_core::store::{StoreBinding, StoreProvider};
    use edgezero_core::{StoreBindings, Stores};
    use edgezero_testkit::MemoryKv;
    use futures_executor::block_on;

    /// Can only open its KV store at once.
    struct AtOnce(Rc<MemoryKv>);

    #[async_trait::async_trait(?Send)]
    impl StoreProvider for AtOnce {
        async fn open_kv(&self, _: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError> {
            unreachable!("the registry takes the store open_kv_now gives")
        }
        async fn open_config(&self, _: &StoreBinding) -> Result<Rc<dyn ConfigStore>, ConfigError> {
            unreachable!("no config store is declared")
        }
        async fn open_secrets(&self, _: &StoreBinding) -> Result<Rc<dyn SecretStore>, SecretError> {
            unreachable!("no secret store is declared")
        }
        fn open_kv_now(&self, _: &StoreBinding) -> Option<Result<Rc<dyn KvStore>, KvError>> {
            Some(Ok(self.0.clone()))
        }
    }

    #[test]
    fn a_store_opened_at_once_is_used_without_awaiting_open_kv() {
        let bindings = Arc::new(StoreBindings::resolve(&super::META, &|_| None));
        let stores = Stores::new(bindings, Rc::new(AtOnce(Rc::new(MemoryKv::new()))));
        let cache = block_on(stores.kv("cache")).unwrap();
        assert_eq!(cache.id(), "cache");
        block_on(cache.put_bytes("k", "v")).unwrap();
        let sessions = block_on(stores.default_kv()).unwrap();
        assert_eq!(sessions.id(), "sessions");
        let read = block_on(sessions.get_bytes("k")).unwrap();
        assert_eq!(
            read.as_deref(),
            Some(&b"v"[..]),
            "both ids share the one store"
        );
    }
}
