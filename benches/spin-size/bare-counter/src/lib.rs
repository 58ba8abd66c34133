//! `GET /counter` of examples/counter with spin-sdk alone: read `{views, previous_request}`
//! from key `app-data` of the default store, increment, write back, answer the old path.

use serde::{Deserialize, Serialize};
use spin_sdk::http::{IntoResponse, Json, Request};
use spin_sdk::http_service;
use spin_sdk::key_value::Store;

const DATA_KEY: &str = "app-data";

#[derive(Default, Serialize, Deserialize)]
struct Data {
    views: u64,
    previous_request: String,
}

#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    let store = Store::open_default().await?;
    let mut data: Data = match store.get(DATA_KEY).await? {
        Some(bytes) => serde_json::from_slice(&bytes)?,
        None => Data::default(),
    };
    data.views += 1;
    let shown = Data {
        views: data.views,
        previous_request: data.previous_request.clone(),
    };
    data.previous_request = req.uri().path().to_string();
    store.set(DATA_KEY, serde_json::to_vec(&data)?).await?;
    Ok(Json(shown))
}
