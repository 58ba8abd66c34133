//! Static files embedded at compile time.
//!
//! `edgezero_core::assets!("public")` embeds every file under `public/` (relative to the
//! crate's `Cargo.toml`; names starting with `.` are skipped) into the component or binary,
//! and [`Assets`] serves them, identically on every adapter:
//!
//! - the content type by extension; a strong `ETag` computed at compile time; `304` for a
//!   matching `If-None-Match`; `Cache-Control` ([`Assets::cache_control`]);
//! - `Range` requests: one range (`bytes=0-99`, `bytes=100-`, `bytes=-100`) is a `206`
//!   with `Content-Range`; a range past the end is `416`; `If-Range` with a stale tag
//!   gets the whole file;
//! - `HEAD` with the headers of `GET` and no body; other methods `405`;
//! - `/docs/` serves `docs/index.html`, and `/docs` redirects there;
//! - precompressed siblings: with `app.js.br` or `app.js.gz` next to `app.js`, a client
//!   that accepts `br` or `gzip` gets that file with `Content-Encoding` (and every answer
//!   for such a file says `Vary: Accept-Encoding`);
//! - an optional single-page-app fallback ([`Assets::spa_fallback`]) for paths that name
//!   no file and have no extension;
//! - no path tricks: a `..` or `.` segment, an encoded `/` or `\`, a NUL or a backslash is
//!   `400`, before anything is looked up (the files are a fixed table: nothing outside the
//!   directory can be reached in any case).
//!
//! ```
//! use edgezero_core::Router;
//!
//! let router = Router::new()
//!     .get("/api/hello", || async { "hello" })
//!     .fallback(edgezero_core::assets!("tests/assets"));
//! # let _ = router;
//! ```
//!
//! The macro reads the directory when the crate compiles: a changed file is picked up by
//! the next build, a **new** file only once the crate recompiles for another reason. A
//! `build.rs` with `println!("cargo:rerun-if-changed=public");` makes every change count.

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};

use crate::body::Body;
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::handler::Handler;
use crate::percent;
use crate::response::{IntoResponse, Redirect, Response};

/// One embedded file; the [`assets!`](crate::assets!) macro writes these.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// The URL path, from `/`.
    pub path: &'static str,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The strong entity tag, quotes included.
    pub etag: &'static str,
    /// The file's bytes.
    pub body: &'static [u8],
    /// The bytes of a `.br` sibling.
    pub br: Option<&'static [u8]>,
    /// The bytes of a `.gz` sibling.
    pub gzip: Option<&'static [u8]>,
}

/// Embedded files, served by [`Assets::handler`]; see the [module docs](self).
#[derive(Debug, Clone, Copy)]
pub struct Assets {
    files: &'static [Asset],
    spa: Option<&'static str>,
    cache_control: &'static str,
}

impl Assets {
    /// Files sorted by path (as the macro writes them).
    pub const fn new(files: &'static [Asset]) -> Self {
        Assets {
            files,
            spa: None,
            cache_control: "public, max-age=0, must-revalidate",
        }
    }

    /// Serves `path` (e.g. `/index.html`) for a `GET` whose path names no file and has no
    /// extension, as a single-page app's client-side router needs.
    pub const fn spa_fallback(mut self, path: &'static str) -> Self {
        self.spa = Some(path);
        self
    }

    /// The `Cache-Control` of every answer (`public, max-age=0, must-revalidate` by
    /// default: cached, revalidated with the `ETag` each time).
    pub const fn cache_control(mut self, value: &'static str) -> Self {
        self.cache_control = value;
        self
    }

    /// The file at URL path `path`.
    pub fn get(&self, path: &str) -> Option<&'static Asset> {
        self.files
            .binary_search_by(|a| a.path.cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    /// The embedded files.
    pub fn files(&self) -> &'static [Asset] {
        self.files
    }

    /// The answer to `method path` with request `headers`.
    pub fn respond(&self, method: &Method, path: &str, headers: &HeaderMap) -> Response {
        if *method != Method::GET && *method != Method::HEAD {
            return EdgeError::method_not_allowed(method, &[Method::GET, Method::HEAD])
                .into_response();
        }
        let path = match clean_path(path) {
            Ok(path) => path,
            Err(why) => return EdgeError::bad_request(why).into_response(),
        };
        let asset = match self.get(&path) {
            Some(asset) => asset,
            None => {
                let index = format!("{}/index.html", path.trim_end_matches('/'));
                if path.ends_with('/') {
                    match self.get(&index) {
                        Some(asset) => asset,
                        None => return self.missing(&path, method, headers),
                    }
                } else if self.get(&index).is_some() {
                    return match Redirect::permanent(format!("{path}/")) {
                        Ok(r) => r.into_response(),
                        Err(e) => e.into_response(),
                    };
                } else {
                    return self.missing(&path, method, headers);
                }
            }
        };
        serve(asset, method, headers, self.cache_control)
    }

    fn missing(&self, path: &str, method: &Method, headers: &HeaderMap) -> Response {
        let last = path.rsplit('/').next().unwrap_or_default();
        match self.spa.and_then(|spa| self.get(spa)) {
            Some(page) if !last.contains('.') => serve(page, method, headers, self.cache_control),
            _ => EdgeError::not_found(format!("no file at {path}")).into_response(),
        }
    }
}

/// Marks the [`Handler`] implementation of [`Assets`].
#[derive(Debug)]
pub enum ViaAssets {}

/// `Assets` is a handler that serves the files at the request's path: a
/// [`Router::fallback`](crate::Router::fallback), or a `/{*path}` route.
impl Handler<ViaAssets> for Assets {
    #[allow(clippy::manual_async_fn)]
    fn call(self, ctx: RequestContext) -> impl std::future::Future<Output = Response> + 'static {
        let resp = self.respond(ctx.method(), ctx.path(), ctx.headers());
        async move { resp }
    }
}

/// The decoded path, or why it is refused.
fn clean_path(raw: &str) -> Result<String, String> {
    let lower = raw.to_ascii_lowercase();
    for (bad, what) in [
        ("%2f", "an encoded `/`"),
        ("%5c", "an encoded `\\`"),
        ("%00", "a NUL"),
    ] {
        if lower.contains(bad) {
            return Err(format!("the path holds {what}"));
        }
    }
    let decoded = percent::decode_bytes(raw.as_bytes());
    let path = std::str::from_utf8(&decoded).map_err(|_| "the path is not UTF-8".to_string())?;
    if path.contains('\\') || path.contains('\0') {
        return Err("the path holds a `\\` or a NUL".into());
    }
    if path.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err("the path holds a `.` or `..` segment".into());
    }
    if !path.starts_with('/') {
        return Err("the path must start with `/`".into());
    }
    Ok(path.to_owned())
}

/// Which encoding to send: `br`, then `gzip`, when the file has it and the client takes it.
fn pick_encoding(asset: &Asset, headers: &HeaderMap) -> Option<(&'static str, &'static [u8])> {
    let accepted = |name: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or_default().trim();
                let q_zero = parts.any(|p| {
                    let p = p.trim();
                    p.strip_prefix("q=")
                        .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
                });
                coding.eq_ignore_ascii_case(name) && !q_zero
            })
    };
    match (asset.br, asset.gzip) {
        (Some(br), _) if accepted("br") => Some(("br", br)),
        (_, Some(gz)) if accepted("gzip") => Some(("gzip", gz)),
        _ => None,
    }
}

/// A `Range: bytes=...` of one range, as `start..end` within `len`: `Ok(None)` when there is
/// no usable range header (the whole file), `Err` when the range cannot be satisfied.
fn byte_range(headers: &HeaderMap, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None); // several ranges: the whole file is a valid answer
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => (start, end.min(len.saturating_sub(1)) + 1),
        (Ok(start), Err(_)) if last.is_empty() => (start, len),
        (Err(_), Ok(suffix)) if first.is_empty() && suffix > 0 => (len.saturating_sub(suffix), len),
        _ => return Ok(None), // malformed: ignored, as RFC 9110 allows
    };
    if range.0 >= len {
        return Err(());
    }
    Ok(Some(range))
}

fn serve(asset: &Asset, method: &Method, headers: &HeaderMap, cache: &'static str) -> Response {
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if asset.br.is_some() || asset.gzip.is_some() {
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    let tag_matches = |value: &HeaderValue| {
        value.to_str().is_ok_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == asset.etag)
        })
    };
    if headers.get(header::IF_NONE_MATCH).is_some_and(tag_matches) {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        *resp.headers_mut() = out;
        return resp;
    }
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    let len = asset.body.len() as u64;
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == asset.etag));
    let range = if if_range_ok {
        byte_range(headers, len)
    } else {
        Ok(None)
    };
    let (status, body): (StatusCode, &'static [u8]) = match range {
        Err(()) => {
            out.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{len}"))
                    .unwrap_or(HeaderValue::from_static("bytes */0")),
            );
            let mut resp = EdgeError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the file is {len} bytes long"),
            )
            .into_response();
            resp.headers_mut().extend(out);
            return resp;
        }
        Ok(Some((start, end))) => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1)) {
                out.insert(header::CONTENT_RANGE, v);
            }
            (
                StatusCode::PARTIAL_CONTENT,
                &asset.body[start as usize..end as usize],
            )
        }
        Ok(None) => match pick_encoding(asset, headers) {
            Some((coding, bytes)) => {
                out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
                (StatusCode::OK, bytes)
            }
            None => (StatusCode::OK, asset.body),
        },
    };
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let body = if *method == Method::HEAD {
        Body::Empty
    } else {
        Body::Full(bytes::Bytes::from_static(body))
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    *resp.headers_mut() = out;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_tricks_are_refused() {
        for bad in [
            "/../etc/passwd",
            "/a/../b",
            "/./a",
            "/a%2fb",
            "/a%2Fb",
            "/a%5cb",
            "/a%00",
            "/a\\b",
            "/%2e%2e/x",
            "/a/%2E",
        ] {
            assert!(clean_path(bad).is_err(), "{bad}");
        }
        assert_eq!(clean_path("/caf%C3%A9.txt").unwrap(), "/café.txt");
        assert_eq!(clean_path("/a..b/c.d").unwrap(), "/a..b/c.d");
    }

    #[test]
    fn ranges_of_one_part() {
        let h = |r: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::RANGE, HeaderValue::from_str(r).unwrap());
            m
        };
        assert_eq!(byte_range(&h("bytes=0-9"), 100), Ok(Some((0, 10))));
        assert_eq!(byte_range(&h("bytes=90-"), 100), Ok(Some((90, 100))));
        assert_eq!(byte_range(&h("bytes=-10"), 100), Ok(Some((90, 100))));
        assert_eq!(byte_range(&h("bytes=-1000"), 100), Ok(Some((0, 100))));
        assert_eq!(byte_range(&h("bytes=50-1000"), 100), Ok(Some((50, 100))));
        assert_eq!(byte_range(&h("bytes=100-"), 100), Err(()));
        assert_eq!(byte_range(&h("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(byte_range(&h("bytes=9-3"), 100), Ok(None));
        assert_eq!(byte_range(&h("items=0-1"), 100), Ok(None));
        assert_eq!(byte_range(&HeaderMap::new(), 100), Ok(None));
    }
}
