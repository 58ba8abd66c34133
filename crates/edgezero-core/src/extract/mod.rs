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
//! Extractors that read the body ([`Json`], [`Form`], [`Bytes`](bytes::Bytes), `String`)
//! must come last; a second body extractor fails with a 500.

mod path;

use std::future::Future;

use bytes::Bytes;
use http::{header, HeaderMap, Method, Uri};
use serde::de::DeserializeOwned;

use crate::body::Body;
use crate::context::RequestContext;
use crate::error::EdgeError;
pub use crate::response::Json;
use crate::store::config::ConfigHandle;
use crate::store::kv::KvHandle;
use crate::store::secrets::SecretHandle;
pub use crate::store::Stores;

/// Something that can be built from a request.
pub trait FromRequest: Sized {
    /// Extracts the value, or fails with the error to answer.
    fn from_request(ctx: &mut RequestContext) -> impl Future<Output = Result<Self, EdgeError>>;
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

fn content_type(ctx: &RequestContext) -> Option<&str> {
    ctx.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

async fn read_body(ctx: &mut RequestContext) -> Result<Bytes, EdgeError> {
    let limit = ctx.body_limit();
    match ctx.take_body() {
        Some(body) => body.collect(limit).await,
        None => Err(EdgeError::internal(
            "request body was already taken by another extractor",
        )),
    }
}

fn is_json(ct: &str) -> bool {
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// A JSON body. A request with a non-JSON `Content-Type` gets 415; malformed JSON gets 400.
impl<T: DeserializeOwned> FromRequest for Json<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        if let Some(ct) = content_type(ctx) {
            if !is_json(ct) {
                return Err(EdgeError::unsupported_media_type(format!(
                    "expected a JSON body (content-type: application/json), got `{ct}`"
                )));
            }
        }
        let bytes = read_body(ctx).await?;
        serde_json::from_slice(&bytes)
            .map(Json)
            .map_err(|e| EdgeError::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// An `application/x-www-form-urlencoded` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Form<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        if let Some(ct) = content_type(ctx) {
            let mime = ct.split(';').next().unwrap_or("").trim();
            if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                return Err(EdgeError::unsupported_media_type(format!(
                    "expected a form body (content-type: application/x-www-form-urlencoded), got `{ct}`"
                )));
            }
        }
        let bytes = read_body(ctx).await?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| EdgeError::bad_request(format!("invalid form body: {e}")))
    }
}

impl FromRequest for Bytes {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        read_body(ctx).await
    }
}

impl FromRequest for String {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        let bytes = read_body(ctx).await?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| EdgeError::bad_request("request body is not valid UTF-8"))
    }
}

/// The body, unread (for streaming).
impl FromRequest for Body {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.take_body().ok_or_else(|| {
            EdgeError::internal("request body was already taken by another extractor")
        })
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

/// The default key-value store (`[stores.kv].default`).
#[derive(Debug, Clone)]
pub struct Kv(pub KvHandle);

impl FromRequest for Kv {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Kv(ctx.stores().default_kv().await?))
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

/// The default secret store (`[stores.secrets].default`).
#[derive(Debug, Clone)]
pub struct Secrets(pub SecretHandle);

impl FromRequest for Secrets {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Secrets(ctx.stores().default_secrets().await?))
    }
}

impl<T: FromRequest> FromRequest for Option<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(T::from_request(ctx).await.ok())
    }
}
