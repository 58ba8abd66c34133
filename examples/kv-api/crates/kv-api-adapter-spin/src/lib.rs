//! The kv-api example as a Spin component.

use edgezero_adapter_spin::http_service;
use spin_sdk::http::{IntoResponse, Request};

#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    edgezero_adapter_spin::run_app::<kv_api_core::App>(req).await
}
