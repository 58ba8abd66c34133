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
//! ## Head and body
//!
//! Most extractors read only the request head ([`FromRequestParts`]): [`Path`], [`Query`],
//! [`HeaderMap`], [`Method`], [`Uri`], [`Host`], [`ClientAddr`], [`MatchedPath`],
//! [`Extension`], [`Cookies`], [`State`], the stores, [`AppConfig`](crate::AppConfig) and
//! the outbound [`Client`](crate::fetch::Client). Those that read the body
//! ([`FromRequest`]: [`Json`], [`LenientJson`], [`Form`], [`Bytes`](bytes::Bytes), `String`,
//! [`Body`](crate::Body) and the whole [`Request`](crate::Request)) must be a handler's
//! **last** argument, so a handler with two of them does not compile:
//!
//! ```compile_fail
//! use edgezero_core::{extract::Json, Router};
//!
//! async fn twice(Json(a): Json<u32>, Json(b): Json<u32>) -> String {
//!     (a + b).to_string()
//! }
//! let _ = Router::new().post("/twice", twice); // error: Json reads the body, so it comes last
//! ```
//!
//! Every body extractor enforces the request body limit (`413`), the streaming
//! [`Body`](crate::Body) included.
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
//! `Option<T>` works for the extractors whose input can be absent
//! ([`OptionalFromRequestParts`], [`OptionalFromRequest`]): it is `None` only when that input
//! is absent (for the body extractors, an empty body) and every other rejection still
//! answers. An oversized, mistyped or malformed body is a `413`, `415` or `400`, never
//! `None`.
//!
//! ## Shared state
//!
//! [`State<S>`] reads a value registered with
//! [`Router::with_state`](crate::Router::with_state). A route whose handler takes a
//! `State<S>` that the router never registers is an error of
//! [`Router::try_build`](crate::Router::try_build), found at startup, not per request.

mod body;
mod parts;
mod path;

use std::any::TypeId;
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
pub use parts::{ClientAddr, Cookies, Extension, Host, MatchedPath};

/// An extractor that reads only the request head (method, URI, headers, extensions, route
/// parameters, stores). Any number of them may come before a handler's last argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor of the request head",
    label = "only the last argument of a handler may read the body",
    note = "a handler takes any number of head extractors (Path, Query, HeaderMap, State, Kv, ...) \
            and at most one body extractor (Json, Form, Bytes, String, Body, Request), last"
)]
pub trait FromRequestParts: Sized {
    /// Extracts the value, or fails with the error to answer.
    fn from_request_parts(
        ctx: &mut RequestContext,
    ) -> impl Future<Output = Result<Self, EdgeError>>;

    /// What the extractor needs from the router, checked by `Router::try_build`.
    #[doc(hidden)]
    fn needs(_needs: &mut Needs) {}
}

/// Marks a [`FromRequest`] implementation that reads the body (the default).
#[derive(Debug)]
pub enum ViaRequest {}

/// Marks the [`FromRequest`] implementation every [`FromRequestParts`] extractor has.
#[derive(Debug)]
pub enum ViaParts {}

/// Something built from the whole request, body included: a handler's last argument.
///
/// Implement it (without naming `M`) for an extractor that reads the body, and
/// [`FromRequestParts`] for one that does not; every `FromRequestParts` extractor is also a
/// `FromRequest<ViaParts>`, so it may come last too.
pub trait FromRequest<M = ViaRequest>: Sized {
    /// Extracts the value, or fails with the error to answer.
    fn from_request(ctx: &mut RequestContext) -> impl Future<Output = Result<Self, EdgeError>>;

    /// What the extractor needs from the router, checked by `Router::try_build`.
    #[doc(hidden)]
    fn needs(_needs: &mut Needs) {}
}

impl<T: FromRequestParts> FromRequest<ViaParts> for T {
    fn from_request(ctx: &mut RequestContext) -> impl Future<Output = Result<Self, EdgeError>> {
        T::from_request_parts(ctx)
    }

    fn needs(needs: &mut Needs) {
        <T as FromRequestParts>::needs(needs);
    }
}

/// What a handler's extractors need from the router: the [`State`] types, so that
/// `Router::try_build` can name a route whose state was never registered.
#[doc(hidden)]
#[derive(Debug, Default, Clone)]
pub struct Needs {
    pub(crate) state: Vec<(TypeId, &'static str)>,
}

impl Needs {
    /// Records that a handler reads `State<S>`.
    pub fn state<S: 'static>(&mut self) {
        let id = TypeId::of::<S>();
        if !self.state.iter().any(|(t, _)| *t == id) {
            self.state.push((id, std::any::type_name::<S>()));
        }
    }
}

/// A head extractor whose input can be absent, usable as `Option<Self>`.
///
/// `Ok(None)` means "absent" (no query string, no such store declared, no such header);
/// anything present but invalid is still an error.
pub trait OptionalFromRequestParts: Sized {
    /// Extracts the value, `None` when its input is absent, or fails with the error to answer.
    fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> impl Future<Output = Result<Option<Self>, EdgeError>>;
}

/// A body extractor whose input can be absent (an empty body), usable as `Option<Self>`.
pub trait OptionalFromRequest: Sized {
    /// Extracts the value, `None` when its input is absent, or fails with the error to answer.
    fn from_request_optional(
        ctx: &mut RequestContext,
    ) -> impl Future<Output = Result<Option<Self>, EdgeError>>;
}

impl<T: OptionalFromRequestParts> FromRequestParts for Option<T> {
    fn from_request_parts(
        ctx: &mut RequestContext,
    ) -> impl Future<Output = Result<Self, EdgeError>> {
        T::from_request_parts_optional(ctx)
    }
}

impl<T: OptionalFromRequest> FromRequest for Option<T> {
    fn from_request(ctx: &mut RequestContext) -> impl Future<Output = Result<Self, EdgeError>> {
        T::from_request_optional(ctx)
    }
}

/// Typed path parameters: a single value, a tuple (in pattern order) or a struct (by name).
/// Numbers, booleans and strings deserialise from the percent-decoded segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts for Path<T> {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        path::from_params(ctx.params())
            .map(Path)
            .map_err(|e| EdgeError::bad_request(format!("invalid path parameter: {e}")))
    }
}

/// The query string deserialised with `serde_urlencoded`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts for Query<T> {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        serde_urlencoded::from_str(ctx.query().unwrap_or(""))
            .map(Query)
            .map_err(|e| EdgeError::bad_request(format!("invalid query string: {e}")))
    }
}

/// `None` when the URI has no query string (or an empty one).
impl<T: DeserializeOwned> OptionalFromRequestParts for Query<T> {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        match ctx.query() {
            None | Some("") => Ok(None),
            Some(_) => Self::from_request_parts(ctx).await.map(Some),
        }
    }
}

impl FromRequestParts for HeaderMap {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.headers().clone())
    }
}

impl FromRequestParts for Method {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.method().clone())
    }
}

impl FromRequestParts for Uri {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.uri().clone())
    }
}

impl FromRequestParts for Stores {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(ctx.stores().clone())
    }
}

/// Shared state registered with [`Router::with_state`](crate::Router::with_state).
#[derive(Debug, Clone)]
pub struct State<S>(pub S);

impl<S: Clone + Send + Sync + 'static> FromRequestParts for State<S> {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.state_value::<S>().map(State).ok_or_else(|| {
            EdgeError::internal(format!(
                "no state of type {} was registered with Router::with_state",
                std::any::type_name::<S>()
            ))
        })
    }

    fn needs(needs: &mut Needs) {
        needs.state::<S>();
    }
}

/// `None` when no state of type `S` was registered.
impl<S: Clone + Send + Sync + 'static> OptionalFromRequestParts for State<S> {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
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

impl FromRequestParts for Kv {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Kv(ctx.stores().default_kv().await?))
    }
}

/// `None` when the app declares no default KV store; opening errors still answer.
impl OptionalFromRequestParts for Kv {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        if !has_default(ctx, StoreKind::Kv) {
            return Ok(None);
        }
        Self::from_request_parts(ctx).await.map(Some)
    }
}

/// The default config store (`[stores.config].default`).
#[derive(Debug, Clone)]
pub struct Config(pub ConfigHandle);

impl FromRequestParts for Config {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Config(ctx.stores().default_config().await?))
    }
}

/// `None` when the app declares no default config store; opening errors still answer.
impl OptionalFromRequestParts for Config {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        if !has_default(ctx, StoreKind::Config) {
            return Ok(None);
        }
        Self::from_request_parts(ctx).await.map(Some)
    }
}

/// The default secret store (`[stores.secrets].default`).
#[derive(Debug, Clone)]
pub struct Secrets(pub SecretHandle);

impl FromRequestParts for Secrets {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Secrets(ctx.stores().default_secrets().await?))
    }
}

/// `None` when the app declares no default secret store; opening errors still answer.
impl OptionalFromRequestParts for Secrets {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        if !has_default(ctx, StoreKind::Secrets) {
            return Ok(None);
        }
        Self::from_request_parts(ctx).await.map(Some)
    }
}

impl FromRequestParts for crate::fetch::Client {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.http_client()
            .cloned()
            .map(|c| crate::fetch::Client(crate::fetch::HttpHandle(c)))
            .ok_or_else(|| {
                EdgeError::not_implemented("this platform adapter provides no outbound HTTP client")
            })
    }
}
