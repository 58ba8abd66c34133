//! Response compression (features `compression`, or `compression-gzip` / `compression-brotli`
//! alone): brotli or gzip, by `Accept-Encoding`.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use futures_util::stream::{self, StreamExt};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};

use super::{Middleware, Next};
use crate::body::{Body, BoxError};
use crate::context::RequestContext;
use crate::response::Response;

/// Compresses responses for clients that accept it: brotli when the request's
/// `Accept-Encoding` allows `br`, else gzip when it allows `gzip`; `Vary: Accept-Encoding`
/// on every answer it could have compressed.
///
/// Left alone: `HEAD`, statuses without a body (`204`, `304`), a response that already has a
/// `Content-Encoding` or says `Cache-Control: no-transform`, a buffered body under
/// [`Compression::min_size`] (1 KiB by default), `text/event-stream` (each event must reach
/// the browser at once), and types that are compressed already (images but SVG, audio,
/// video, `font/woff*`, zip, gzip and the like).
///
/// A streamed body is compressed chunk by chunk, each chunk flushed as it comes, so a slow
/// stream still reaches the client piece by piece. A strong `ETag` becomes weak, as the
/// bytes are no longer the ones it named.
///
/// Only in builds with a compression feature of `edgezero-core`, so that a component that
/// does not use it carries none of it: `compression` for both codings,
/// `compression-gzip` or `compression-brotli` for one. The brotli encoder is large (about
/// 1 MB of a component, against tens of KB for gzip: `docs/benchmarks.md`); a client that
/// accepts only a coding the build lacks gets the answer uncompressed.
///
/// ```
/// use edgezero_core::middleware::Compression;
/// use edgezero_core::Router;
///
/// let router = Router::new()
///     .get("/", || async { "a page" })
///     .layer(Compression::new());
/// # let _ = router;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Compression {
    min_size: usize,
    brotli_quality: u32,
    gzip_level: u32,
}

impl Default for Compression {
    fn default() -> Self {
        Self::new()
    }
}

impl Compression {
    /// Brotli at quality 5 and gzip at level 6 (fast enough for answers made per request),
    /// for bodies of 1 KiB and more.
    pub fn new() -> Self {
        Compression {
            min_size: 1024,
            brotli_quality: 5,
            gzip_level: 6,
        }
    }

    /// The smallest buffered body compressed, in bytes (streams are always compressed).
    pub fn min_size(mut self, bytes: usize) -> Self {
        self.min_size = bytes;
        self
    }

    /// Brotli's quality, 0 (fastest) to 11 (smallest).
    pub fn brotli_quality(mut self, quality: u32) -> Self {
        self.brotli_quality = quality.min(11);
        self
    }

    /// Gzip's level, 0 to 9.
    pub fn gzip_level(mut self, level: u32) -> Self {
        self.gzip_level = level.min(9);
        self
    }

    fn encoder(&self, coding: Coding, sink: Sink) -> Box<dyn Write> {
        match coding {
            #[cfg(feature = "compression-brotli")]
            Coding::Brotli => Box::new(brotli::CompressorWriter::new(
                sink,
                4096,
                self.brotli_quality,
                22,
            )),
            #[cfg(feature = "compression-gzip")]
            Coding::Gzip => Box::new(flate2::write::GzEncoder::new(
                sink,
                flate2::Compression::new(self.gzip_level),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    #[cfg(feature = "compression-brotli")]
    Brotli,
    #[cfg(feature = "compression-gzip")]
    Gzip,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "compression-brotli")]
            Coding::Brotli => "br",
            #[cfg(feature = "compression-gzip")]
            Coding::Gzip => "gzip",
        }
    }
}

/// The coding to use for a request's `Accept-Encoding`: `br` first, then `gzip`.
fn choose(headers: &HeaderMap) -> Option<Coding> {
    let mut br = false;
    let mut gzip = false;
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        if refused {
            continue;
        }
        match coding.as_str() {
            "br" => br = true,
            "gzip" | "x-gzip" => gzip = true,
            "*" => {
                br = true;
                gzip = true;
            }
            _ => {}
        }
    }
    #[cfg(feature = "compression-brotli")]
    if br {
        return Some(Coding::Brotli);
    }
    #[cfg(feature = "compression-gzip")]
    if gzip {
        return Some(Coding::Gzip);
    }
    let _ = (br, gzip);
    None
}

/// Whether a response of this type gains nothing from compression, or must not be delayed.
fn skip_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "image/svg+xml" {
        return false;
    }
    essence == "text/event-stream"
        || essence.starts_with("image/")
        || essence.starts_with("audio/")
        || essence.starts_with("video/")
        || essence.starts_with("font/woff")
        || matches!(
            essence.as_str(),
            "application/zip"
                | "application/gzip"
                | "application/x-gzip"
                | "application/zstd"
                | "application/x-brotli"
                | "application/x-7z-compressed"
                | "application/x-rar-compressed"
                | "application/pdf"
        )
}

/// A writer whose bytes are taken out after each flush.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Sink {
    fn take(&self) -> Bytes {
        Bytes::from(std::mem::take(&mut *self.0.borrow_mut()))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Middleware for Compression {
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let coding = choose(ctx.headers());
        let head = ctx.method() == Method::HEAD;
        let this = *self;
        Box::pin(async move {
            let resp = next.run(ctx).await;
            this.compress(resp, coding, head)
        })
    }
}

impl Compression {
    fn compress(&self, mut resp: Response, coding: Option<Coding>, head: bool) -> Response {
        let headers = resp.headers();
        let status = resp.status();
        let no_body = head
            || status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED;
        let untouchable = headers.contains_key(header::CONTENT_ENCODING)
            || headers.get_all(header::CACHE_CONTROL).iter().any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("no-transform"))
            })
            || headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(skip_type);
        if no_body || untouchable {
            return resp;
        }
        let small = match resp.body() {
            Body::Empty => true,
            Body::Full(b) => b.len() < self.min_size,
            Body::Stream(_) => false,
        };
        if small {
            return resp;
        }
        resp.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        let Some(coding) = coding else {
            return resp;
        };
        let sink = Sink::default();
        let mut encoder = self.encoder(coding, sink.clone());
        let (mut parts, body) = resp.into_parts();
        let body = match body {
            Body::Full(bytes) => {
                if encoder.write_all(&bytes).is_err() {
                    return Response::from_parts(parts, Body::Full(bytes));
                }
                drop(encoder); // finishes the stream into the sink
                let out = sink.take();
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(out.len()));
                Body::Full(out)
            }
            Body::Stream(inner) => {
                parts.headers.remove(header::CONTENT_LENGTH);
                compress_stream(inner, encoder, sink)
            }
            Body::Empty => Body::Empty,
        };
        parts.headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(coding.name()),
        );
        if let Some(tag) = parts.headers.get(header::ETAG) {
            if !tag.as_bytes().starts_with(b"W/") {
                let mut weak = b"W/".to_vec();
                weak.extend_from_slice(tag.as_bytes());
                if let Ok(weak) = HeaderValue::from_bytes(&weak) {
                    parts.headers.insert(header::ETAG, weak);
                }
            }
        }
        Response::from_parts(parts, body)
    }
}

/// Each chunk of `inner`, compressed and flushed; the encoder's end after the last one. An
/// error of `inner` ends the body with that error.
fn compress_stream(inner: crate::body::BodyStream, encoder: Box<dyn Write>, sink: Sink) -> Body {
    let state = Some((inner, encoder, sink));
    Body::Stream(Box::pin(stream::unfold(state, |state| async move {
        let (mut inner, mut encoder, sink) = state?;
        loop {
            match inner.next().await {
                Some(Ok(chunk)) => {
                    let written = encoder.write_all(&chunk).and_then(|()| encoder.flush());
                    if let Err(e) = written {
                        return Some((Err(BoxError::from(e)), None));
                    }
                    let out = sink.take();
                    if !out.is_empty() {
                        return Some((Ok(out), Some((inner, encoder, sink))));
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
                None => {
                    drop(encoder);
                    let out = sink.take();
                    return (!out.is_empty()).then_some((Ok(out), None));
                }
            }
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    #[cfg(all(feature = "compression-brotli", feature = "compression-gzip"))]
    fn brotli_is_preferred_and_q_zero_refuses() {
        assert_eq!(choose(&accept("gzip, deflate, br")), Some(Coding::Brotli));
        assert_eq!(choose(&accept("gzip")), Some(Coding::Gzip));
        assert_eq!(choose(&accept("br;q=0, gzip;q=0.5")), Some(Coding::Gzip));
        assert_eq!(choose(&accept("identity")), None);
        assert_eq!(choose(&accept("*")), Some(Coding::Brotli));
        assert_eq!(choose(&HeaderMap::new()), None);
    }

    #[test]
    fn compressed_and_event_stream_types_are_skipped() {
        for t in [
            "image/png",
            "video/mp4",
            "font/woff2",
            "application/zip",
            "text/event-stream; charset=utf-8",
        ] {
            assert!(skip_type(t), "{t}");
        }
        for t in [
            "text/html; charset=utf-8",
            "application/json",
            "image/svg+xml",
            "text/css",
        ] {
            assert!(!skip_type(t), "{t}");
        }
    }
}
