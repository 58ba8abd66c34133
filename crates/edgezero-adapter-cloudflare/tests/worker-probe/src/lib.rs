//! A test Worker for edgezero-adapter-cloudflare: each route runs one testkit contract
//! suite inside workerd, through the adapter, and answers `[{"name", "ok", "error"}]`.
//!
//! - `GET /kv/<id>`: `kv_suite` (with TTLs) on KV id `<id>` (`plain`: Workers KV, `atomic`:
//!   the atomic store)
//! - `GET /atomic/<id>`: `kv_atomic_suite`
//! - `GET /increment/<id>`: one `increment`, answered with the error's own status (501 on
//!   Workers KV)
//! - `GET /config`: `config_suite` on `app_config` (seeded with `CONFIG_FIXTURE`)
//! - `GET /secrets`: `secrets_suite` (the Worker secret `API_TOKEN` set to the fixture)
//! - `GET /client-suite?origin=...&closed=...`: `http_client_suite` through the Workers fetch

use edgezero_core::extract::{Path, Query};
use edgezero_core::fetch::Client;
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{App, EdgeError, Json, Router, Stores};
use edgezero_testkit::contract::{self, CaseResult, KvCapabilities};
use serde_json::{json, Value};

struct Probe;

static STORES: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["plain", "atomic"],
        default: Some("plain"),
    },
    config: StoreIds {
        ids: &["app_config"],
        default: Some("app_config"),
    },
    secrets: StoreIds {
        ids: &["default"],
        default: Some("default"),
    },
};

impl App for Probe {
    fn name() -> &'static str {
        "worker-probe"
    }

    fn stores() -> &'static StoreMetadata {
        &STORES
    }

    fn router() -> Router {
        Router::new()
            .get("/kv/{id}", kv)
            .get("/atomic/{id}", atomic)
            .get("/increment/{id}", increment)
            .get("/config", config)
            .get("/secrets", secrets)
            .get("/client-suite", client_suite)
    }
}

edgezero_adapter_cloudflare::worker!(Probe);

fn report(results: &[CaseResult]) -> Json<Value> {
    Json(contract::results_json(results))
}

async fn kv(stores: Stores, Path(id): Path<String>) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv(&id).await?;
    Ok(report(&contract::kv_suite(&kv, KvCapabilities { ttl: true }).await))
}

async fn atomic(stores: Stores, Path(id): Path<String>) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv(&id).await?;
    Ok(report(&contract::kv_atomic_suite(&kv).await))
}

async fn increment(stores: Stores, Path(id): Path<String>) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv(&id).await?;
    let n = kv.increment("probe:n", 1).await?;
    Ok(Json(json!({ "n": n })))
}

async fn config(stores: Stores) -> Result<Json<Value>, EdgeError> {
    let config = stores.config("app_config").await?;
    Ok(report(&contract::config_suite(&config).await))
}

async fn secrets(stores: Stores) -> Result<Json<Value>, EdgeError> {
    let secrets = stores.secrets("default").await?;
    Ok(report(&contract::secrets_suite(&secrets).await))
}

/// Query of `GET /client-suite`.
#[derive(serde::Deserialize)]
struct SuiteQuery {
    /// The test origin's base URL.
    origin: String,
    /// A URL where nothing listens.
    closed: String,
}

async fn client_suite(Client(http): Client, Query(q): Query<SuiteQuery>) -> Json<Value> {
    let target =
        contract::HttpClientTarget::new(http.client(), &q.origin).with_closed_url(&q.closed);
    report(&contract::http_client_suite(&target).await)
}
