//! A test app for edgezero-adapter-fastly: each route runs one testkit contract suite
//! inside Viceroy, through the adapter, and answers `[{"name", "ok", "error"}]`.
//!
//! - `GET /kv`: `kv_suite` (with TTLs) on the KV Store `default`
//! - `GET /atomic`: `kv_atomic_suite` on it
//! - `GET /config`: `config_suite` on `app_config` (seeded with `CONFIG_FIXTURE`)
//! - `GET /secrets`: `secrets_suite` (the secret set to the fixture)
//! - `GET /client-suite?origin=...&closed=...`: `http_client_suite` through backends

use edgezero_core::extract::Query;
use edgezero_core::fetch::Client;
use edgezero_core::store::{StoreIds, StoreMetadata};
use edgezero_core::{App, EdgeError, Json, Router, Stores};
use edgezero_testkit::contract::{self, CaseResult, KvCapabilities};
use serde_json::Value;

struct Probe;

static STORES: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["default"],
        default: Some("default"),
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
        "fastly-probe"
    }

    fn stores() -> &'static StoreMetadata {
        &STORES
    }

    fn router() -> Router {
        Router::new()
            .get("/kv", kv)
            .get("/atomic", atomic)
            .get("/config", config)
            .get("/secrets", secrets)
            .get("/client-suite", client_suite)
    }
}

edgezero_adapter_fastly::main!(Probe);

fn report(results: &[CaseResult]) -> Json<Value> {
    Json(contract::results_json(results))
}

async fn kv(stores: Stores) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv("default").await?;
    Ok(report(&contract::kv_suite(&kv, KvCapabilities { ttl: true }).await))
}

async fn atomic(stores: Stores) -> Result<Json<Value>, EdgeError> {
    let kv = stores.kv("default").await?;
    Ok(report(&contract::kv_atomic_suite(&kv).await))
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
