//! Middleware: code that runs around request handling, and the middleware EdgeZero ships.
//!
//! Added with [`Router::layer`](crate::Router::layer), middleware runs around every request
//! of the router, including `404` and `405` answers. It can also wrap a single route
//! ([`HandlerExt::layer`]) or every route of a nested router
//! ([`Router::nest`](crate::Router::nest)). On a router the first layer added runs first
//! (it is the outermost); on one handler, the last one added.
//!
//! ```
//! use edgezero_core::middleware::HandlerExt;
//! use edgezero_core::{http::StatusCode, IntoResponse, Next, RequestContext, Response, Router};
//!
//! async fn server_header(ctx: RequestContext, next: Next) -> Response {
//!     let mut resp = next.run(ctx).await;
//!     resp.headers_mut().insert("server", "edgezero".parse().unwrap());
//!     resp
//! }
//!
//! async fn admins_only(ctx: RequestContext, next: Next) -> Response {
//!     if ctx.headers().get("x-admin").is_none() {
//!         return StatusCode::FORBIDDEN.into_response();
//!     }
//!     next.run(ctx).await
//! }
//!
//! async fn purge() -> &'static str {
//!     "purged"
//! }
//!
//! let router = Router::new()
//!     .post("/purge", purge.layer(admins_only)) // this route only
//!     .layer(server_header); // every request
//! # let _ = router;
//! ```
//!
//! ## In the box
//!
//! Each works the same on every adapter:
//!
//! | Middleware | What it does |
//! |---|---|
//! | [`Cors`] | CORS headers for allowed origins; answers preflights itself |
//! | [`SecurityHeaders`] | CSP, HSTS (over HTTPS), `nosniff`, frame and referrer policy |
//! | [`RequestIds`] | an `x-request-id` per request, for handlers ([`RequestId`]) and logs |
//! | [`Timeout`] | `504` after a deadline, dropping the handler's future |
//! | [`BodyLimit`] | a body limit for some routes (`413`, declared or streamed) |
//! | [`ConditionalGet`] | `ETag`s for buffered bodies, `304` for `If-None-Match` / `If-Modified-Since` |
//! | [`BasicAuth`], [`BearerAuth`] | credentials from a secret or a KV entry, compared in constant time |
//! | [`RateLimit`] | a fixed window per client address counted with KV `increment`; `429` past it |
//! | `Compression` | brotli or gzip by `Accept-Encoding`, streams too (the `compression` feature) |
//!
//! A typical public API, outermost first — CORS answers preflights before anything else
//! runs, the request id is there for every log line, and the limiter counts only requests
//! that reach the API:
//!
//! ```
//! use std::time::Duration;
//! use edgezero_core::middleware::{Cors, RateLimit, RequestIds, SecurityHeaders, Timeout};
//! use edgezero_core::Router;
//!
//! let api = Router::new()
//!     .get("/hello", || async { "hello" })
//!     .layer(RequestIds::new())
//!     .layer(SecurityHeaders::new())
//!     .layer(Cors::new().allow_origin("https://app.example"))
//!     .layer(Timeout::new(Duration::from_secs(10)))
//!     .layer(RateLimit::per_minute(60));
//! # let _ = api;
//! ```

mod auth;
mod body_limit;
#[cfg(any(feature = "compression-gzip", feature = "compression-brotli"))]
mod compression;
mod conditional;
mod cors;
mod rate_limit;
mod request_id;
mod security;
mod timeout;

pub use crate::router::middleware::{HandlerExt, Layered, Middleware, Next, ViaLayer};
pub use auth::{
    constant_time_eq, AuthenticatedUser, BasicAuth, BearerAuth, Credentials, CredentialsError,
};
pub use body_limit::BodyLimit;
#[cfg(any(feature = "compression-gzip", feature = "compression-brotli"))]
pub use compression::Compression;
pub use conditional::{strong_etag, ConditionalGet};
pub use cors::Cors;
pub use rate_limit::RateLimit;
pub(crate) use request_id::random_hex;
pub use request_id::{current_request_id, RequestId, RequestIds};
pub use security::{SecurityHeaders, DEFAULT_CONTENT_SECURITY_POLICY, DEFAULT_HSTS_MAX_AGE};
pub use timeout::Timeout;
