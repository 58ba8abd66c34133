//! `GET /counter` of examples/counter with spin-sdk alone, doing the same work: `views` is
//! incremented atomically (`wasi:keyvalue/atomics`, Spin's 8-byte counter) and
//! `previous-request` is swapped with compare-and-swap; the answer is
//! `{"views": n, "previous_request": "<path>"}`.

use serde::Serialize;
use spin_sdk::experimental::wasi::keyvalue::atomics::{self, Cas, CasError};
use spin_sdk::experimental::wasi::keyvalue::store;
use spin_sdk::http::{IntoResponse, Json, Request};
use spin_sdk::http_service;

#[derive(Serialize)]
struct Data {
    views: i64,
    previous_request: String,
}

#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    let bucket = store::open("default").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let views =
        atomics::increment(&bucket, "views", 1).map_err(|e| anyhow::anyhow!("{e:?}"))?;
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
    Ok(Json(Data {
        views,
        previous_request: previous
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .unwrap_or_default(),
    }))
}
