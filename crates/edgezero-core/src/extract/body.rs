//! Body extractors: JSON, forms, bytes, text, the raw (limited) stream and the whole request.

use std::borrow::Cow;

use bytes::Bytes;
use http::header;
use serde::de::DeserializeOwned;

use super::{FromRequest, OptionalFromRequest};
use crate::body::Body;
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::response::Json;

/// The `Content-Type` header, if the request has one (shown lossily when it is not text).
fn content_type(ctx: &RequestContext) -> Option<Cow<'_, str>> {
    ctx.headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()))
}

fn mime(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn taken() -> EdgeError {
    EdgeError::internal("request body was already taken by another extractor")
}

/// Reads the whole body, enforcing the request body limit (`413`).
async fn read_body(ctx: &mut RequestContext) -> Result<Bytes, EdgeError> {
    let limit = ctx.body_limit();
    ctx.take_body().ok_or_else(taken)?.collect(limit).await
}

fn is_json(mime: &str) -> bool {
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// The body must be declared JSON. A request without `Content-Type` (or with a form or
/// `text/plain` type) is one a page on any other site can send cross-site without a CORS
/// preflight, so [`Json`] refuses it; [`LenientJson`] accepts a missing type.
fn check_json(ctx: &RequestContext, lenient: bool) -> Result<(), EdgeError> {
    match content_type(ctx) {
        Some(ct) if is_json(&mime(&ct)) => Ok(()),
        Some(ct) => Err(EdgeError::unsupported_media_type(format!(
            "expected a JSON body (content-type: application/json), got `{ct}`; \
             send `content-type: application/json`"
        ))),
        None if lenient => Ok(()),
        None => Err(EdgeError::unsupported_media_type(
            "expected a JSON body, but the request has no content-type; \
             send `content-type: application/json`",
        )),
    }
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<Json<T>, EdgeError> {
    serde_json::from_slice(bytes)
        .map(Json)
        .map_err(|e| EdgeError::bad_request(format!("invalid JSON body: {e}")))
}

/// A JSON body sent as `application/json` or `application/*+json`; any other type, or none,
/// gets `415`, malformed JSON `400`, a body over the limit `413`.
impl<T: DeserializeOwned> FromRequest for Json<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        check_json(ctx, false)?;
        let bytes = read_body(ctx).await?;
        parse_json(&bytes)
    }
}

/// `None` only for an empty body; every other rejection (`413`, `415`, `400`) still answers.
impl<T: DeserializeOwned> OptionalFromRequest for Json<T> {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        let bytes = read_body(ctx).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        check_json(ctx, false)?;
        parse_json(&bytes).map(Some)
    }
}

/// A JSON body that may also come **without** a `Content-Type` (as `curl -d` with no header,
/// or an old client, sends it); an explicit non-JSON type is still `415`.
///
/// Opt in only where that is safe: a request without a content type is a CORS "simple
/// request", which a page on any other site can send with the visitor's cookies or basic-auth
/// credentials and without a preflight. Do not use it on an endpoint that trusts cookies or
/// browser-cached credentials; prefer [`Json`].
///
/// ```
/// use edgezero_core::extract::LenientJson;
///
/// async fn ingest(LenientJson(event): LenientJson<serde_json::Value>) -> String {
///     event["kind"].as_str().unwrap_or("none").to_string()
/// }
/// # let _ = edgezero_core::Router::new().post("/ingest", ingest);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LenientJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest for LenientJson<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        check_json(ctx, true)?;
        let bytes = read_body(ctx).await?;
        parse_json(&bytes).map(|Json(v)| LenientJson(v))
    }
}

/// `None` only for an empty body.
impl<T: DeserializeOwned> OptionalFromRequest for LenientJson<T> {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        let bytes = read_body(ctx).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        check_json(ctx, true)?;
        parse_json(&bytes).map(|Json(v)| Some(LenientJson(v)))
    }
}

/// An `application/x-www-form-urlencoded` body (a missing `Content-Type` is accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form<T>(pub T);

fn check_form(ctx: &RequestContext) -> Result<(), EdgeError> {
    match content_type(ctx) {
        Some(ct) if mime(&ct) != "application/x-www-form-urlencoded" => {
            Err(EdgeError::unsupported_media_type(format!(
                "expected a form body (content-type: application/x-www-form-urlencoded), got `{ct}`"
            )))
        }
        _ => Ok(()),
    }
}

fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<Form<T>, EdgeError> {
    serde_urlencoded::from_bytes(bytes)
        .map(Form)
        .map_err(|e| EdgeError::bad_request(format!("invalid form body: {e}")))
}

impl<T: DeserializeOwned> FromRequest for Form<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        check_form(ctx)?;
        let bytes = read_body(ctx).await?;
        parse_form(&bytes)
    }
}

/// `None` only for an empty body.
impl<T: DeserializeOwned> OptionalFromRequest for Form<T> {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        let bytes = read_body(ctx).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        check_form(ctx)?;
        parse_form(&bytes).map(Some)
    }
}

impl FromRequest for Bytes {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        read_body(ctx).await
    }
}

/// `None` only for an empty body.
impl OptionalFromRequest for Bytes {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        let bytes = read_body(ctx).await?;
        Ok((!bytes.is_empty()).then_some(bytes))
    }
}

fn utf8(bytes: Bytes) -> Result<String, EdgeError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| EdgeError::bad_request("request body is not valid UTF-8"))
}

impl FromRequest for String {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        utf8(read_body(ctx).await?)
    }
}

/// `None` only for an empty body.
impl OptionalFromRequest for String {
    async fn from_request_optional(ctx: &mut RequestContext) -> Result<Option<Self>, EdgeError> {
        let bytes = read_body(ctx).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        utf8(bytes).map(Some)
    }
}

/// The body, unread (for streaming), held to the request body limit: a buffered body over
/// it is a `413` at once, and a stream yields the `413` [`EdgeError`] as an error item once
/// more than the limit has arrived ([`Body::collect`] passes it on unchanged).
impl FromRequest for Body {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        let limit = ctx.body_limit();
        ctx.take_body().ok_or_else(taken)?.limited(limit)
    }
}

/// The whole request: head and body (held to the request body limit like [`Body`]). For a
/// handler that forwards or inspects the request as it came; the route parameters and the
/// stores stay available through their own extractors, which come before it.
impl FromRequest for crate::response::Request {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        let body = <Body as FromRequest>::from_request(ctx).await?;
        Ok(crate::response::Request::from_parts(
            ctx.parts().clone(),
            body,
        ))
    }
}
