//! examples/counter's app (`counter_core::App`) as a Spin component written the way
//! `edgezero new` writes one: an `#[http_service]` function that calls `run_app`. The
//! in-process bench compares it with examples/counter's component, which is
//! `component!(counter_core::App)`.

use edgezero_adapter_spin::http_service;
use spin_sdk::http::{IntoResponse, Request};

#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    edgezero_adapter_spin::run_app::<counter_core::App>(req).await
}
