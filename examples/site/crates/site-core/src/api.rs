//! `GET /api/hello`: JSON, with CORS and a rate limit set by the config store.

use edgezero_core::extract::FromRequestParts;
use std::time::Duration;

use edgezero_core::middleware::{
    BearerAuth, ConditionalGet, Cors, Credentials, HandlerExt, Middleware, RateLimit, Timeout,
};
use edgezero_core::{AppConfig, Json, Next, RequestContext, Response, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The `app_config` store (config/app_config.toml), read once per instance.
#[derive(Debug, Deserialize, AppConfig)]
pub struct Settings {
    /// `[cors]`
    pub cors: CorsSettings,
    /// `[rate]`
    pub rate: RateSettings,
}

/// `[cors]` of the config.
#[derive(Debug, Deserialize)]
pub struct CorsSettings {
    /// `cors.allowed_origins`: the origins whose pages may call the API, comma-separated.
    pub allowed_origins: String,
}

/// `[rate]` of the config.
#[derive(Debug, Deserialize)]
pub struct RateSettings {
    /// `rate.per_minute`: requests per client address and minute.
    pub per_minute: u64,
}

/// The secret holding the bearer token of `GET /api/private`.
pub const API_TOKEN_SECRET: &str = "api_token";

/// The API's routes: CORS outside (the first layer: preflights are answered before anything
/// is counted, and a `429` is readable by an allowed page), then the rate limit, a deadline
/// and entity tags (`304` for a client that has the answer already). `GET /api/private`
/// also needs `Authorization: Bearer <the secret api_token>`.
pub fn routes() -> Router {
    Router::new()
        .get("/api/hello", hello)
        .get(
            "/api/private",
            private.layer(BearerAuth::new(
                "site-api",
                Credentials::secret(API_TOKEN_SECRET),
            )),
        )
        .layer(cors)
        .layer(rate_limit)
        .layer(Timeout::new(Duration::from_secs(10)))
        .layer(ConditionalGet::new())
}

/// `GET /api/private`: only with the bearer token.
pub async fn private() -> Json<Value> {
    Json(json!({ "message": "hello, token holder" }))
}

/// `GET /api/hello`.
pub async fn hello() -> Json<Value> {
    Json(json!({ "message": "hello from the edge" }))
}

async fn settings(ctx: &mut RequestContext) -> Result<std::sync::Arc<Settings>, Response> {
    match AppConfig::<Settings>::from_request_parts(ctx).await {
        Ok(AppConfig(settings)) => Ok(settings),
        Err(e) => Err(e.into_response()),
    }
}

/// [`Cors`] for the origins of `cors.allowed_origins`.
async fn cors(mut ctx: RequestContext, next: Next) -> Response {
    let settings = match settings(&mut ctx).await {
        Ok(settings) => settings,
        Err(resp) => return resp,
    };
    let origins = settings
        .cors
        .allowed_origins
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty());
    Cors::new().allow_origins(origins).call(ctx, next).await
}

/// [`RateLimit`] at `rate.per_minute` per client address.
async fn rate_limit(mut ctx: RequestContext, next: Next) -> Response {
    let settings = match settings(&mut ctx).await {
        Ok(settings) => settings,
        Err(resp) => return resp,
    };
    RateLimit::per_minute(settings.rate.per_minute)
        .prefix("rate:api:")
        .call(ctx, next)
        .await
}
