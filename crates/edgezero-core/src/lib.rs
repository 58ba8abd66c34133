//! # EdgeZero core
//!
//! The portable part of an EdgeZero application: the HTTP model, the router, extractors,
//! middleware, and the key-value / config / secret store traits. Nothing here knows which
//! platform runs the app; adapters (`edgezero-adapter-spin`, `edgezero-adapter-native`)
//! convert requests, open stores, and call [`Router::dispatch`].
//!
//! ```
//! use edgezero_core::{extract::{Kv, Path}, response::Json, EdgeError, Router};
//!
//! async fn hello(Path(name): Path<String>) -> String {
//!     format!("hello, {name}")
//! }
//!
//! // `increment` is atomic on every backend: a get, add, put would lose concurrent visits.
//! async fn visits(Kv(kv): Kv) -> Result<Json<i64>, EdgeError> {
//!     Ok(Json(kv.increment("visits", 1).await?))
//! }
//!
//! let router = Router::new().get("/hello/{name}", hello).post("/visits", visits);
//! # let _ = router;
//! ```
//!
//! ## Threading model (the `Send` story)
//!
//! Handler futures, bodies and store handles are **not** required to be `Send`. A
//! WebAssembly component is single-threaded and the platform SDKs' futures are not `Send`,
//! so requiring it would shut them out. The [`Router`] itself (routes, handlers, middleware,
//! state) is `Send + Sync` and is built once per process or component instance. The native
//! adapter runs one single-threaded runtime per core and shares the router between them, so
//! no runtime thread is ever blocked by a request.
//!
//! ## Errors
//!
//! Handlers return `Result<impl IntoResponse, EdgeError>`. Store errors convert into
//! [`EdgeError`] in one place ([`error`]), which fixes their HTTP status: validation → 400,
//! `KvError::Unsupported` → 501, `KvError::LimitExceeded` → 503, unavailable → 503,
//! everything else → 500 with the detail logged and a generic message returned.
//!
//! ## Responses
//!
//! Handlers return anything that implements [`IntoResponse`] (the table is in [`response`]):
//! text, [`Html`], [`Json`], bytes, a [`Body`] (buffered, or streamed with
//! [`Body::from_stream`]), [`Redirect`], and tuples that add a status and headers, such as
//! `(StatusCode::CREATED, [("location", "/items/7")], Json(item))`. Server-Sent Events are
//! [`response::sse::Sse`], with keep-alive comments driven by the platform's [`timer`].
//!
//! ```
//! use edgezero_core::http::StatusCode;
//! use edgezero_core::{Html, IntoResponse, Json, Router};
//!
//! let router = Router::new()
//!     .get("/", || async { Html("<h1>Hello</h1>") })
//!     .post("/items", || async {
//!         (StatusCode::CREATED, [("location", "/items/7")], Json(7))
//!     });
//! # let _ = router;
//! # let _ = (StatusCode::OK, [("x-a", "1")], Html("")).into_response();
//! ```
//!
//! ## Stores
//!
//! Stores are addressed by the logical ids of `edgezero.toml`; see [`store`] for the model
//! and [`env`] for the `EDGEZERO__*` variables that map ids to platform names.
//!
//! ## Typed configuration
//!
//! `#[derive(serde::Deserialize, AppConfig)]` on a struct of settings and the
//! [`AppConfig<C>`](AppConfig) extractor read the default config store into it, once per
//! process or component instance, with `#[secret]` fields filled from the secret store; see
//! [`app_config`].

#![warn(missing_docs)]

// Lets `#[derive(AppConfig)]`, which names `::edgezero_core`, run in this crate's own tests.
extern crate self as edgezero_core;

pub mod app;
pub mod app_config;
pub mod assets;
pub mod body;
pub mod context;
pub mod cookie;
pub mod env;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod handler;
pub mod logging;
pub mod middleware;
mod percent;
pub mod response;
pub mod router;
pub mod session;
pub mod store;
pub mod timer;

pub use app::App;
pub use app_config::AppConfig;
pub use body::Body;
pub use context::{PathParams, RequestContext};
pub use error::EdgeError;
pub use handler::Handler;
pub use middleware::{Middleware, Next};
pub use response::{Html, IntoResponse, InvalidRedirect, Json, Redirect, Request, Response};
pub use router::Router;
pub use store::{StoreBindings, StoreMetadata, StoreProvider, Stores};

pub use async_trait::async_trait;
pub use bytes::Bytes;
pub use http;

/// Bakes an `edgezero.toml` into an [`App`] at compile time. See `edgezero-macros`.
pub use edgezero_macros::app;

/// Embeds a directory at compile time as [`assets::Assets`]. See [`assets`].
pub use edgezero_macros::assets;

/// Derives [`app_config::ConfigSchema`] for a struct read with the [`AppConfig`] extractor;
/// `#[secret]` marks the fields filled from the secret store. See [`app_config`].
pub use edgezero_macros::AppConfig;

#[doc(hidden)]
pub mod __private {
    pub use crate::app_config::probe::{Probe, ViaLeaf, ViaSchema};
    pub use crate::store::StoreIds;
}

#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide.md")]
pub struct GuideDoctests;
