//! A test component for the embedded Spin host.
//!
//! - `GET /contract/<id>`: runs `edgezero_testkit::contract::kv_suite` against key-value id
//!   `<id>` (through `edgezero-adapter-spin`, i.e. the real Spin key-value API) and answers
//!   `[{"name", "ok", "error"}]`.
//! - `GET /client/<host:port>/<path>`: an outbound GET through `edgezero_core::fetch::Client`.
//! - `POST /bump/<id>`: adds one to a JSON document with `update_json` (compare-and-swap).
//! - `GET /atomic/<id>`: runs `edgezero_testkit::contract::kv_atomic_suite` the same way
//!   (through `wasi:keyvalue`).
//! - `GET /seen`, `GET /users/<id>/seen`: what the app sees of the request — its client
//!   address, its headers, the `SpinRequestInfo` extension — through `run_app`, or, with
//!   `?entry=component`, through the handler `component!` exports.
//! - `.../raw/...`: probes of the host API with spin-sdk alone (see [`raw`]).

use edgezero_adapter_spin::SpinRequestInfo;
use edgezero_core::extract::{ClientAddr, Extension, Path};
use edgezero_core::http::HeaderMap;
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{App, EdgeError, Json, Router, Stores};
use edgezero_testkit::contract::{kv_atomic_suite, kv_suite, KvCapabilities};
use serde_json::{json, Value};
use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;
use spin_sdk::key_value::{Error as KvError, Store};
use spin_sdk::variables::Error as VarError;
use spin_sdk::wasip3::http::types::Response;

struct Probe;

static STORES: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["default", "second"],
        default: Some("default"),
    },
    config: StoreIds::NONE,
    secrets: StoreIds::NONE,
};

impl App for Probe {
    fn name() -> &'static str {
        "host-probe"
    }

    fn stores() -> &'static StoreMetadata {
        &STORES
    }

    fn router() -> Router {
        Router::new()
            .get("/contract/{id}", contract)
            .get("/atomic/{id}", atomic)
            .post("/bump/{id}", bump)
            .get("/client/{*rest}", client)
            .get("/client-suite", client_suite)
            .get("/seen", seen)
            .get("/users/{id}/seen", seen)
    }
}

async fn contract(stores: Stores, Path(id): Path<String>) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv(&id).await?;
    let results = kv_suite(&kv, KvCapabilities { ttl: false }).await;
    Ok(Json(edgezero_testkit::contract::results_json(&results)))
}

/// `GET /seen`: the client's address, the request headers and Spin's request information,
/// as the app sees them.
async fn seen(
    client: Option<ClientAddr>,
    spin: Option<Extension<SpinRequestInfo>>,
    headers: HeaderMap,
) -> Json<Value> {
    let headers: Vec<(&str, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let spin = spin.map(|Extension(info)| {
        json!({
            "full_url": info.full_url(),
            "path_info": info.path_info(),
            "matched_route": info.matched_route(),
            "base_path": info.base_path(),
            "raw_component_route": info.raw_component_route(),
            "component_route": info.component_route(),
            "client_addr": info.client_addr().map(|a| a.to_string()),
            "path_matches": info.path_matches().collect::<Vec<_>>(),
        })
    });
    Json(json!({
        "client": client.map(|ClientAddr(ip)| ip.to_string()),
        "headers": headers,
        "spin": spin,
    }))
}

/// `POST /bump/<id>`: +1 on the JSON document `{"n": ...}` under `doc`, by `update_json`.
async fn bump(stores: Stores, Path(id): Path<String>) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv(&id).await?;
    let doc = kv
        .update_json("doc", |old: Option<Value>| {
            let n = old.as_ref().and_then(|d| d["n"].as_u64()).unwrap_or(0);
            json!({ "n": n + 1 })
        })
        .await?;
    Ok(Json(doc))
}

/// `GET /client/<host:port>/<path>`: the portable client (`edgezero_core::fetch`) on Spin.
async fn client(
    edgezero_core::fetch::Client(http): edgezero_core::fetch::Client,
    Path(rest): Path<String>,
) -> Result<Json<Value>, EdgeError> {
    let response = http.get(&format!("http://{rest}")).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect(1 << 20).await?;
    Ok(Json(json!({ "status": status, "body": String::from_utf8_lossy(&body) })))
}

/// Query of `GET /client-suite`.
#[derive(serde::Deserialize)]
struct SuiteQuery {
    /// The test origin's base URL.
    origin: String,
    /// A URL where nothing listens.
    closed: String,
}

/// `GET /client-suite?origin=...&closed=...`: the outbound client contract
/// (`edgezero_testkit::contract::http_client_suite`) run by the Spin client, in the component.
async fn client_suite(
    edgezero_core::fetch::Client(http): edgezero_core::fetch::Client,
    edgezero_core::extract::Query(q): edgezero_core::extract::Query<SuiteQuery>,
) -> Json<Value> {
    let target = edgezero_testkit::contract::HttpClientTarget::new(http.client(), &q.origin)
        .with_closed_url(&q.closed);
    let results = edgezero_testkit::contract::http_client_suite(&target).await;
    Json(edgezero_testkit::contract::results_json(&results))
}

async fn atomic(stores: Stores, Path(id): Path<String>) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv(&id).await?;
    let results = kv_atomic_suite(&kv).await;
    Ok(Json(edgezero_testkit::contract::results_json(&results)))
}

fn respond(r: impl IntoResponse) -> anyhow::Result<Response> {
    r.into_response().map_err(|e| anyhow::anyhow!("{e:?}"))
}

fn json_response(v: Value) -> anyhow::Result<Response> {
    respond(v.to_string())
}

fn kv_error(e: &KvError) -> String {
    match e {
        KvError::StoreTableFull => "store-table-full".into(),
        KvError::NoSuchStore => "no-such-store".into(),
        KvError::AccessDenied => "access-denied".into(),
        KvError::Other(m) => format!("other: {m}"),
    }
}

/// `/raw/open/<label>`, `/raw/keys/<label>/<n>`, `/raw/var/<name>`, `/raw/env/<NAME>`,
/// `/raw/getset/<label>/<key>` (racy get + set, for benchmarks), `/raw/bytes/<label>/<key>`, `/raw/setbytes/<label>/<key>/<hex>`, `/raw/wkv/...`
/// (see [`wasi_kv`]), `/raw/headers`, `/raw/big/<bytes>`, `/raw/outbound`, `/raw/trap`, `/raw/instance` (this
/// instance's id and how many requests it has served), `/raw/spin` (loops forever).
async fn raw(path: &str, req: &Request) -> anyhow::Result<Response> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["open", label] => {
            let result = match Store::open(label).await {
                Ok(_) => "ok".to_string(),
                Err(e) => kv_error(&e),
            };
            json_response(json!({ "result": result }))
        }
        ["keys", label, n] => {
            let n: usize = n.parse()?;
            let store = Store::open(label)
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            for i in 0..n {
                store
                    .set(format!("many:{i:05}"), b"x")
                    .await
                    .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            }
            let keys = store
                .get_keys()
                .await
                .collect()
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            let many = keys.iter().filter(|k| k.starts_with("many:")).count();
            for i in 0..n {
                store
                    .delete(format!("many:{i:05}"))
                    .await
                    .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            }
            json_response(json!({ "count": many }))
        }
        ["var", name] => json_response(match spin_sdk::variables::get(name).await {
            Ok(v) => json!({ "value": v }),
            Err(VarError::InvalidName(m)) => json!({ "error": "invalid-name", "message": m }),
            Err(VarError::Undefined(m)) => json!({ "error": "undefined", "message": m }),
            Err(VarError::Provider(m)) => json!({ "error": "provider", "message": m }),
            Err(VarError::Other(m)) => json!({ "error": "other", "message": m }),
        }),
        ["env", name] => json_response(json!({ "value": std::env::var(name).ok() })),
        ["headers"] => {
            let headers: serde_json::Map<String, Value> = req
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), json!(v.to_str().unwrap_or(""))))
                .collect();
            json_response(json!({ "uri": req.uri().to_string(), "headers": headers }))
        }
        ["big", n] => {
            let n: usize = n.parse()?;
            respond((0..n).map(|i| b'a' + (i % 26) as u8).collect::<Vec<u8>>())
        }
        ["outbound"] => json_response(match spin_sdk::http::get("https://example.com/").await {
            Ok(r) => json!({ "status": r.status().as_u16() }),
            Err(e) => json!({ "error": format!("{e:?}") }),
        }),
        ["trap"] => panic!("host-probe: deliberate trap"),
        [kind @ ("fetch" | "fetch-relative"), rest @ ..] => {
            use spin_sdk::http::body::IncomingBodyExt;
            // `fetch-relative` sends a URL without scheme or host: a request to the app itself.
            let url = match *kind {
                "fetch" => format!("http://{}", rest.join("/")),
                _ => format!("/{}", rest.join("/")),
            };
            json_response(match spin_sdk::http::get(&url).await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body = r.into_body().bytes().await;
                    json!({
                        "status": status,
                        "body": body.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default(),
                    })
                }
                Err(e) => json!({ "error": format!("{e:?}") }),
            })
        }
        ["loop"] => {
            // Calls itself until the host refuses; answers the innermost answer.
            use spin_sdk::http::body::IncomingBodyExt;
            match spin_sdk::http::get("http://self.alt/raw/loop").await {
                Ok(r) => respond(
                    r.into_body()
                        .bytes()
                        .await
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default(),
                ),
                Err(e) => json_response(json!({ "error": format!("{e:?}") })),
            }
        }
        ["wkv", rest @ ..] => wasi_kv(rest),
        ["getset", label, key] => {
            // The racy read-add-write pair the seeds' counters do, for benchmarks.
            let store = Store::open(label)
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            let current = store
                .get(key)
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?
                .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
                .map_or(0, i64::from_le_bytes);
            store
                .set(key, (current + 1).to_le_bytes())
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            json_response(json!({ "value": current + 1 }))
        }
        ["bytes", label, key] => {
            let store = Store::open(label)
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            let value = store
                .get(key)
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            json_response(json!({ "bytes": value }))
        }
        ["setbytes", label, key, hex] => {
            let store = Store::open(label)
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
                .collect::<Result<_, _>>()?;
            store
                .set(key, bytes)
                .await
                .map_err(|e| anyhow::anyhow!(kv_error(&e)))?;
            json_response(json!({ "ok": true }))
        }
        ["instance"] => {
            use std::sync::atomic::{AtomicU64, Ordering};
            use std::sync::OnceLock;
            static SERVED: AtomicU64 = AtomicU64::new(0);
            static ID: OnceLock<String> = OnceLock::new();
            // Unique per instance: the address of a fresh allocation plus a random value
            // from the host, taken once per instance.
            let id = ID.get_or_init(|| {
                let mut buf = [0u8; 8];
                let _ = getrandom_like(&mut buf);
                buf.iter().map(|b| format!("{b:02x}")).collect()
            });
            let served = SERVED.fetch_add(1, Ordering::SeqCst) + 1;
            json_response(json!({ "instance": id, "served": served }))
        }
        ["spin"] => {
            let mut x: u64 = 0;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        _ => respond((
            spin_sdk::http::StatusCode::NOT_FOUND,
            "no such probe\n".to_string(),
        )),
    }
}

fn wkv_error(e: &wkv::store::Error) -> String {
    match e {
        wkv::store::Error::NoSuchStore => "no-such-store".into(),
        wkv::store::Error::AccessDenied => "access-denied".into(),
        wkv::store::Error::Other(m) => format!("other: {m}"),
    }
}

use spin_sdk::experimental::wasi::keyvalue as wkv;

/// `wasi:keyvalue` as spin-sdk's own bindings call it:
/// `wkv/open/<label>`, `wkv/incr/<label>/<key>/<delta>`,
/// `wkv/cas/<label>/<key>/<expected|->/<new>` (`-`: expect absent),
/// `wkv/xchg/<label>/<key>/<new>` (compare-and-swap until it wins),
/// `wkv/batch/<label>` (set-many a,b; get-many a,missing,b; delete-many a,b).
fn wasi_kv(parts: &[&str]) -> anyhow::Result<Response> {
    let open = |label: &str| wkv::store::open(label).map_err(|e| anyhow::anyhow!(wkv_error(&e)));
    match parts {
        ["open", label] => json_response(json!({
            "result": match wkv::store::open(label) { Ok(_) => "ok".to_string(), Err(e) => wkv_error(&e) }
        })),
        ["incr", label, key, delta] => {
            let bucket = open(label)?;
            json_response(match wkv::atomics::increment(&bucket, key, delta.parse()?) {
                Ok(v) => json!({ "value": v }),
                Err(e) => json!({ "error": wkv_error(&e) }),
            })
        }
        ["cas", label, key, expected, new] => {
            let bucket = open(label)?;
            let cas = wkv::atomics::Cas::new(&bucket, key).map_err(|e| anyhow::anyhow!(wkv_error(&e)))?;
            let current = cas.current().map_err(|e| anyhow::anyhow!(wkv_error(&e)))?;
            let expected = (*expected != "-").then(|| expected.as_bytes().to_vec());
            if current != expected {
                return json_response(json!({ "swapped": false, "current": current }));
            }
            json_response(match wkv::atomics::swap(cas, new.as_bytes()) {
                Ok(()) => json!({ "swapped": true }),
                Err(wkv::atomics::CasError::CasFailed(_)) => json!({ "swapped": false, "lost": true }),
                Err(wkv::atomics::CasError::StoreError(e)) => json!({ "error": wkv_error(&e) }),
            })
        }
        ["xchg", label, key, new] => {
            // An exchange: read, then swap in `new` unless another write came between
            // (then read again); answers what was replaced.
            let bucket = open(label)?;
            let mut cas = wkv::atomics::Cas::new(&bucket, key).map_err(|e| anyhow::anyhow!(wkv_error(&e)))?;
            loop {
                let current = cas.current().map_err(|e| anyhow::anyhow!(wkv_error(&e)))?;
                match wkv::atomics::swap(cas, new.as_bytes()) {
                    Ok(()) => return json_response(json!({ "replaced": current.map(|v| String::from_utf8_lossy(&v).into_owned()) })),
                    Err(wkv::atomics::CasError::CasFailed(again)) => cas = again,
                    Err(wkv::atomics::CasError::StoreError(e)) => return json_response(json!({ "error": wkv_error(&e) })),
                }
            }
        }
        ["batch", label] => {
            let bucket = open(label)?;
            let err = |e: wkv::store::Error| anyhow::anyhow!(wkv_error(&e));
            wkv::batch::set_many(&bucket, &[("a".to_string(), b"1".to_vec()), ("b".to_string(), b"2".to_vec())]).map_err(err)?;
            let mut got = wkv::batch::get_many(&bucket, &["a".to_string(), "missing".to_string(), "b".to_string()]).map_err(err)?;
            got.sort();
            wkv::batch::delete_many(&bucket, &["a".to_string(), "b".to_string()]).map_err(err)?;
            let after = wkv::batch::get_many(&bucket, &["a".to_string(), "b".to_string()]).map_err(err)?;
            json_response(json!({ "got": got, "after": after }))
        }
        _ => respond((spin_sdk::http::StatusCode::NOT_FOUND, "no such wkv probe\n".to_string())),
    }
}

/// Random bytes from the host (`wasi:random`), through std's hasher seed.
fn getrandom_like(buf: &mut [u8; 8]) -> Result<(), ()> {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    *buf = h.finish().to_le_bytes();
    Ok(())
}

#[http_service]
async fn handle(req: Request) -> anyhow::Result<Response> {
    let path = req.uri().path().to_string();
    // `/raw/` anywhere in the path, so that probes also run under routes like `/users/:id/...`.
    if let Some(at) = path.find("/raw/") {
        return raw(&path[at + 5..], &req).await;
    }
    if req.uri().query() == Some("entry=component") {
        // The handler `component!` exports, given the `wasi:http` request back unread.
        let wasi = req.into_body().take_unstarted();
        let wasi = wasi.ok_or_else(|| anyhow::anyhow!("the request body was started"))?;
        return edgezero_adapter_spin::__private::handle::<Probe>(wasi)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"));
    }
    respond(edgezero_adapter_spin::run_app::<Probe>(req).await?)
}
