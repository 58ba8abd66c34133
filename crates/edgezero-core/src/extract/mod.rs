//! Extractors: typed pieces of a request, taken as handler arguments.
//!
//! ```
//! use edgezero_core::extract::{Path, Query};
//! use edgezero_core::response::Json;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Paging { limit: Option<u32> }
//!
//! async fn show(Path(id): Path<u64>, Query(p): Query<Paging>) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "id": id, "limit": p.limit }))
//! }
//! # let _ = edgezero_core::Router::new().get("/items/{id}", show);
//! ```
//!
//! Extractors that read the body ([`Json`], [`Form`], [`Bytes`](bytes::Bytes), `String`,
//! [`Body`](crate::Body)) must come last; a second body extractor fails with a 500. Every one
//! of them enforces the request body limit (`413`), the streaming [`Body`](crate::Body)
//! included.
//!
//! ## Content types
//!
//! [`Json`] accepts a body whose `Content-Type` is `application/json` or
//! `application/<anything>+json`; any other type gets `415`, and so does a body **without** a
//! `Content-Type`: such a request is a CORS "simple request" that a page on any other site
//! can send with the visitor's cookies and without a preflight, so a JSON endpoint would
//! otherwise be open to cross-site forgery. [`LenientJson`] accepts a missing type, as an
//! explicit opt-in (read its caveat). [`Form`] accepts
//! `application/x-www-form-urlencoded` or no type (an HTML form always sends its type).
//!
//! ## Optional extractors
//!
//! `Option<T>` works for the extractors whose input can be absent ([`OptionalFromRequest`]):
//! it is `None` only when that input is absent (for the body extractors, an empty body) and
//! every other rejection still answers. An oversized, mistyped or malformed body is a `413`,
//! `415` or `400`, never `None`.

mod body;
mod parts;
mod path;

use std::future::Future;

use http::{HeaderMap, Method, Uri};
use serde::de::DeserializeOwned;

use crate::context::RequestContext;
use crate::env::StoreKind;
use crate::error::EdgeError;
pub use crate::response::Json;
use crate::store::config::ConfigHandle;
use crate::store::kv::KvHandle;
use crate::store::secrets::SecretHandle;
pub use crate::store::Stores;
pub use body::{Form, LenientJson};
pub use parts::ClientAddr;

/// Something that can be built from a request.
pub trait FromRequest: Sized {
    /// Extracts the value, or fails with the error to answer.
    fn from_request(ctx: &mut RequestContext) -> impl Future<Output = Result<Self, EdgeError>>;
}

/// An extractor whose input can be absent, usable as `Option<Self>`.
///
/// `Ok(None)` means "absent" (an empty body, no query string, no such store declared);
/// anything present but invalid is still an error.
pub trait OptionalFromRequest: Sized {
    /// Extracts the value, `None` when its input is absent, or fails with the error to answer.
    fn from_request_optional(
        ctx: &mut RequestContext,
    ) -> impl Future<Output = Result<Option<Self>, EdgeError>>;
}

impl<T: OptionalFromRequest> FromRequest for Option<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        T::from_request_optional(ctx).await
    }
}

/// Typed path parameters: a single value, a tuple (in pattern order) or a struct (by name).
/// Numbers, booleans and strings deserialise from the percent-decoded segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Path<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        path::from_params(ctx.params())
            .map(Path)
            .map_err(|e| EdgeError::bad_request(format!("invalid path parameter: {e}")))
    }
}

/// The query string deserialised with `serde_urlencoded`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        serde_urlencoded::from_str(ctx.query().unwrap_or(""))
            .map(Query)
            .map_err(|e| EdgeError::bad_request(format!("invalid query string: {e}")))
    }
}

/// `None` when the URI has no query string (or an empty one).
impl<T: DeserializeOwned> OptionalFromRequest for Query<T> {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        match ctx.query() {
            None | Some("") => Ok(None),
            Some(_) => Self::from_request(ctx).await.map(Some),
        }
    }
}

impl FromRequest for HeaderMap {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.headers().clone())
    }
}

impl FromRequest for Method {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.method().clone())
    }
}

impl FromRequest for Uri {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.uri().clone())
    }
}

impl FromRequest for Stores {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.stores().clone())
    }
}

/// Shared state registered with [`Router::with_state`](crate::Router::with_state).
#[derive(Debug, Clone)]
pub struct State<S>(pub S);

impl<S: Clone + Send + Sync + 'static> FromRequest for State<S> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.state_value::<S>().map(State).ok_or_else(|| {
            EdgeError::internal(format!(
                "no state of type {} was registered with Router::with_state",
                std::any::type_name::<S>()
            ))
        })
    }
}

/// `None` when no state of type `S` was registered.
impl<S: Clone + Send + Sync + 'static> OptionalFromRequest for State<S> {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        Ok(ctx.state_value::<S>().map(State))
    }
}

fn has_default(ctx: &RequestContext, kind: StoreKind) -> bool {
    ctx.stores()
        .bindings()
        .is_some_and(|b| b.default_binding(kind).is_some())
}

/// The default key-value store (`[stores.kv].default`).
#[derive(Debug, Clone)]
pub struct Kv(pub KvHandle);

impl FromRequest for Kv {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Kv(ctx.stores().default_kv().await?))
    }
}

/// `None` when the app declares no default KV store; opening errors still answer.
impl OptionalFromRequest for Kv {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        if !has_default(ctx, StoreKind::Kv) {
            return Ok(None);
        }
        Self::from_request(ctx).await.map(Some)
    }
}

/// The default config store (`[stores.config].default`).
#[derive(Debug, Clone)]
pub struct Config(pub ConfigHandle);

impl FromRequest for Config {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Config(ctx.stores().default_config().await?))
    }
}

/// `None` when the app declares no default config store; opening errors still answer.
impl OptionalFromRequest for Config {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        if !has_default(ctx, StoreKind::Config) {
            return Ok(None);
        }
        Self::from_request(ctx).await.map(Some)
    }
}

/// The default secret store (`[stores.secrets].default`).
#[derive(Debug, Clone)]
pub struct Secrets(pub SecretHandle);

impl FromRequest for Secrets {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Secrets(ctx.stores().default_secrets().await?))
    }
}

/// `None` when the app declares no default secret store; opening errors still answer.
impl OptionalFromRequest for Secrets {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        if !has_default(ctx, StoreKind::Secrets) {
            return Ok(None);
        }
        Self::from_request(ctx).await.map(Some)
    }
}

impl FromRequest for crate::fetch::Client {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.http_client()
            .cloned()
            .map(|c| crate::fetch::Client(crate::fetch::HttpHandle(c)))
            .ok_or_else(|| {
                EdgeError::not_implemented("this platform adapter provides no outbound HTTP client")
            })
    }
}
