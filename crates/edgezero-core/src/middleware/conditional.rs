//! Conditional `GET`: entity tags and `304 Not Modified`.

use std::time::SystemTime;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use sha2::{Digest, Sha256};

use super::{Middleware, Next};
use crate::body::Body;
use crate::context::RequestContext;
use crate::response::Response;

/// A strong entity tag for `bytes`: `"` + 22 characters of the SHA-256 digest (URL-safe
/// base64 of its first 16 bytes) + `"`. The same bytes give the same tag on every platform.
pub fn strong_etag(bytes: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(bytes);
    let tag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]));
    HeaderValue::try_from(tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Lets clients revalidate what they cached, for `GET` and `HEAD`:
///
/// - a `200` with a buffered body and no `ETag` gets a strong one ([`strong_etag`]); a
///   streamed body keeps whatever `ETag` the handler set (none is computed: that would mean
///   buffering it), and so does the answer to a `HEAD` that ran a `GET` route (the router
///   has dropped the body before this middleware sees it);
/// - `If-None-Match` naming the response's tag (weak comparison, or `*`) turns it into
///   `304 Not Modified` without a body;
/// - without `If-None-Match`, `If-Modified-Since` at or after the response's
///   `Last-Modified` (when the handler set one) does the same.
///
/// The `304` keeps `ETag`, `Last-Modified`, `Cache-Control`, `Expires`, `Vary`, `Date` and
/// `Content-Location` and drops the rest of the representation headers. The handler still
/// runs for every request: this saves bandwidth, not work.
///
/// ```
/// use edgezero_core::middleware::ConditionalGet;
/// use edgezero_core::Router;
///
/// let router = Router::new()
///     .get("/report", || async { "a large report" })
///     .layer(ConditionalGet::new());
/// # let _ = router;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ConditionalGet(());

impl ConditionalGet {
    /// The middleware.
    pub fn new() -> Self {
        ConditionalGet(())
    }
}

impl Middleware for ConditionalGet {
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        if !matches!(*ctx.method(), Method::GET | Method::HEAD) {
            return Box::pin(next.run(ctx));
        }
        let if_none_match = ctx.headers().get(header::IF_NONE_MATCH).cloned();
        let if_modified_since = ctx.headers().get(header::IF_MODIFIED_SINCE).cloned();
        Box::pin(async move {
            let mut resp = next.run(ctx).await;
            if resp.status() != StatusCode::OK {
                return resp;
            }
            if !resp.headers().contains_key(header::ETAG) {
                if let Body::Full(bytes) = resp.body() {
                    let tag = strong_etag(bytes);
                    resp.headers_mut().insert(header::ETAG, tag);
                } else if matches!(resp.body(), Body::Empty) && !has_length(resp.headers()) {
                    // Empty for real; a `HEAD` whose body the router dropped keeps the
                    // `Content-Length` of the body it would have had, and gets no tag.
                    resp.headers_mut().insert(header::ETAG, strong_etag(b""));
                }
            }
            let fresh = match &if_none_match {
                Some(wanted) => resp
                    .headers()
                    .get(header::ETAG)
                    .is_some_and(|tag| etag_matches(wanted, tag)),
                None => if_modified_since.as_ref().is_some_and(|since| {
                    not_modified_since(resp.headers().get(header::LAST_MODIFIED), since)
                }),
            };
            if fresh {
                not_modified(resp)
            } else {
                resp
            }
        })
    }
}

/// Whether the headers declare a body of one byte or more.
fn has_length(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|len| len.as_bytes() != b"0")
}

/// Whether `If-None-Match: wanted` names `tag` (weak comparison, RFC 9110 13.1.2).
fn etag_matches(wanted: &HeaderValue, tag: &HeaderValue) -> bool {
    let Ok(wanted) = wanted.to_str() else {
        return false;
    };
    if wanted.trim() == "*" {
        return true;
    }
    let opaque = |t: &str| -> String { t.trim().trim_start_matches("W/").to_string() };
    let Ok(tag) = tag.to_str() else { return false };
    let tag = opaque(tag);
    wanted.split(',').any(|w| opaque(w) == tag)
}

/// Whether `Last-Modified` is at or before `If-Modified-Since` (both HTTP dates, to the second).
fn not_modified_since(last_modified: Option<&HeaderValue>, since: &HeaderValue) -> bool {
    let parse = |v: &HeaderValue| -> Option<SystemTime> {
        httpdate::parse_http_date(v.to_str().ok()?).ok()
    };
    match (last_modified.and_then(parse), parse(since)) {
        (Some(modified), Some(since)) => modified <= since,
        _ => false,
    }
}

fn not_modified(resp: Response) -> Response {
    const KEPT: [header::HeaderName; 7] = [
        header::ETAG,
        header::LAST_MODIFIED,
        header::CACHE_CONTROL,
        header::EXPIRES,
        header::VARY,
        header::DATE,
        header::CONTENT_LOCATION,
    ];
    let (mut parts, _) = resp.into_parts();
    let mut headers = HeaderMap::new();
    for name in KEPT {
        for value in parts.headers.get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    // Headers that are not about the representation (CORS, security, request id, cookies).
    for (name, value) in &parts.headers {
        let representation = name.as_str().starts_with("content-")
            || *name == header::TRANSFER_ENCODING
            || KEPT.contains(name);
        if !representation {
            headers.append(name.clone(), value.clone());
        }
    }
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers = headers;
    Response::from_parts(parts, Body::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_comparison_and_lists_match() {
        let tag = HeaderValue::from_static("\"abc\"");
        for wanted in ["\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*", " \"abc\" "] {
            assert!(
                etag_matches(&HeaderValue::from_static(wanted), &tag),
                "{wanted}"
            );
        }
        for wanted in ["\"abcd\"", "abc", "\"ab\", \"c\"", ""] {
            assert!(
                !etag_matches(&HeaderValue::from_static(wanted), &tag),
                "{wanted}"
            );
        }
    }

    #[test]
    fn dates_compare_to_the_second() {
        let modified = HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT");
        let same = HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT");
        let later = HeaderValue::from_static("Mon, 07 Nov 1994 08:49:37 GMT");
        let earlier = HeaderValue::from_static("Sat, 05 Nov 1994 08:49:37 GMT");
        assert!(not_modified_since(Some(&modified), &same));
        assert!(not_modified_since(Some(&modified), &later));
        assert!(!not_modified_since(Some(&modified), &earlier));
        assert!(!not_modified_since(None, &later));
        assert!(!not_modified_since(
            Some(&modified),
            &HeaderValue::from_static("yesterday")
        ));
    }

    #[test]
    fn the_tag_is_a_quoted_digest() {
        let tag = strong_etag(b"hello");
        let s = tag.to_str().unwrap();
        assert_eq!(s.len(), 24);
        assert!(s.starts_with('"') && s.ends_with('"'));
        assert_eq!(strong_etag(b"hello"), tag);
        assert_ne!(strong_etag(b"hellO"), tag);
    }
}
