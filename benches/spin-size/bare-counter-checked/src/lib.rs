//! benches/spin-size/bare-counter with the one safety step the framework takes before an
//! increment: Spin's SQLite store panics (its connection lock held) when `increment` meets
//! a value that is not 8 bytes, so the value is read first and anything else is refused
//! with a 409, and an increment that would overflow is refused with a 400. Everything
//! else is the bare counter's: the same calls, the same answer. The in-process bench
//! compares the framework against both, so that the price of the framework and the price
//! of this read are told apart.

use serde::Serialize;
use spin_sdk::experimental::wasi::keyvalue::atomics::{self, Cas, CasError};
use spin_sdk::experimental::wasi::keyvalue::store;
use spin_sdk::http::{IntoResponse, Json, Request, StatusCode};
use spin_sdk::http_service;
use spin_sdk::wasip3::http::types::Response;

#[derive(Serialize)]
struct Data {
    views: i64,
    previous_request: String,
}

fn respond(answer: impl IntoResponse) -> anyhow::Result<Response> {
    answer.into_response().map_err(|e| anyhow::anyhow!("{e:?}"))
}

#[http_service]
async fn handle(req: Request) -> anyhow::Result<Response> {
    let bucket = store::open("default").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let current = match bucket.get("views").map_err(|e| anyhow::anyhow!("{e:?}"))? {
        None => 0,
        Some(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
            Ok(le) => i64::from_le_bytes(le),
            Err(_) => {
                return respond((StatusCode::CONFLICT, "`views` is not a counter".to_string()))
            }
        },
    };
    if current.checked_add(1).is_none() {
        return respond((
            StatusCode::BAD_REQUEST,
            "`views` would overflow".to_string(),
        ));
    }
    let views = atomics::increment(&bucket, "views", 1).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let path = req.uri().path().as_bytes();
    let previous = loop {
        let cas = Cas::new(&bucket, "previous-request").map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let current = cas.current().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        match atomics::swap(cas, path) {
            Ok(()) => break current,
            Err(CasError::CasFailed(_)) => continue,
            Err(CasError::StoreError(e)) => return Err(anyhow::anyhow!("{e:?}")),
        }
    };
    respond(Json(Data {
        views,
        previous_request: previous
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .unwrap_or_default(),
    }))
}
