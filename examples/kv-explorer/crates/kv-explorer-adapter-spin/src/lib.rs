//! The kv-explorer example as a Spin component.

use spin_sdk::{http::IntoResponse, http::Request, http_service};

#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    edgezero_adapter_spin::run_app::<kv_explorer_core::App>(req).await
}
