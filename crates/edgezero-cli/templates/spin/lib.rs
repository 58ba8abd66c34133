use spin_sdk::{http::IntoResponse, http::Request, http_service};
use {{crate}}::App;

#[http_service]
async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    edgezero_adapter_spin::run_app::<App>(req).await
}
