//! The Spin component: its `wasi:http` handler runs the app.
//!
//! `http_service` is spin-sdk's `#[http_service]` with the request built by EdgeZero (Spin's
//! `spin-*` headers already taken out); spin-sdk's own attribute works too, at about 12 %
//! more instructions per request.

use edgezero_adapter_spin::http_service;
use spin_sdk::http::{IntoResponse, Request};

#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    edgezero_adapter_spin::run_app::<{{crate}}::App>(req).await
}
