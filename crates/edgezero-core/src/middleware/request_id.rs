//! Request ids: one per request, for handlers, responses and log lines.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::LocalBoxFuture;
use http::header::{HeaderName, HeaderValue};

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::extract::{FromRequestParts, OptionalFromRequestParts};
use crate::response::Response;

/// The id of the current request, set by [`RequestIds`]. As an extractor it answers `500`
/// when the middleware is not in the route's chain; `Option<RequestId>` is `None` then.
///
/// ```
/// use edgezero_core::middleware::{RequestId, RequestIds};
/// use edgezero_core::Router;
///
/// async fn show(id: RequestId) -> String {
///     format!("request {id}")
/// }
/// let router = Router::new().get("/", show).layer(RequestIds::new());
/// # let _ = router;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(pub Arc<str>);

impl RequestId {
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequestParts for RequestId {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.extensions().get::<RequestId>().cloned().ok_or_else(|| {
            EdgeError::internal(
                "no request id: add the RequestIds middleware to this route's router",
            )
        })
    }
}

impl OptionalFromRequestParts for RequestId {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        Ok(ctx.extensions().get::<RequestId>().cloned())
    }
}

thread_local! {
    static CURRENT: RefCell<Option<RequestId>> = const { RefCell::new(None) };
}

/// The id of the request whose code is running now on this thread, while [`RequestIds`]
/// wraps it. Adapters' loggers put it in every log line of the request; several requests
/// that interleave on one thread each see their own id.
pub fn current_request_id() -> Option<RequestId> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Gives every request an id: the client's `x-request-id` when it sent a usable one (1 to
/// 128 characters of `A-Z a-z 0-9 - _ . : / + =`), else 32 random hex digits. The id is
/// a request extension ([`RequestId`]), the `x-request-id` of the response, and — through
/// [`current_request_id`] — part of every log line the adapters write for the request.
///
/// Put it outermost (the router's first layer), so that everything inside logs with the id. An incoming
/// id is whatever the client chose: use it to correlate logs, never to authorize.
#[derive(Debug, Clone)]
pub struct RequestIds {
    header: HeaderName,
    trust_incoming: bool,
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestIds {
    /// Ids in `x-request-id`, taking the client's when usable.
    pub fn new() -> Self {
        RequestIds {
            header: HeaderName::from_static("x-request-id"),
            trust_incoming: true,
        }
    }

    /// Another header name (e.g. `x-correlation-id`).
    ///
    /// # Panics
    /// When `name` is not a header name.
    pub fn header(mut self, name: &str) -> Self {
        self.header = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|_| panic!("RequestIds: `{name}` is not a header name"));
        self
    }

    /// Always generate an id, ignoring the client's (an app at the edge of its own system).
    pub fn ignore_incoming(mut self) -> Self {
        self.trust_incoming = false;
        self
    }
}

fn usable(id: &[u8]) -> bool {
    (1..=128).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

/// 32 hex digits from the platform's random source (128 bits), or `None` when it fails.
pub(crate) fn random_hex() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    let mut out = String::with_capacity(32);
    for b in bytes {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    Some(out)
}

/// A random id; a process counter mixed with the clock should the random source fail
/// (ids stay unique within the process: good enough to correlate logs).
fn generate() -> String {
    random_hex().unwrap_or_else(|| {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let t = crate::timer::now().as_nanos() as u64;
        format!("{n:016x}{t:016x}")
    })
}

impl Middleware for RequestIds {
    fn call(&self, mut ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let incoming = ctx
            .headers()
            .get(&self.header)
            .filter(|v| self.trust_incoming && usable(v.as_bytes()))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let id = RequestId(Arc::from(incoming.unwrap_or_else(generate)));
        let value = HeaderValue::from_str(&id.0).ok();
        if let Some(value) = &value {
            ctx.headers_mut().insert(self.header.clone(), value.clone());
        }
        ctx.extensions_mut().insert(id.clone());
        let header = self.header.clone();
        let inner = Box::pin(next.run(ctx));
        Box::pin(async move {
            let mut resp = Scoped { id, inner }.await;
            if let Some(value) = value {
                resp.headers_mut().insert(header, value);
            }
            resp
        })
    }
}

/// Runs `inner` with [`current_request_id`] set to `id` during each poll.
struct Scoped<F> {
    id: RequestId,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let _restore = Restore(CURRENT.with(|c| c.replace(Some(this.id.clone()))));
        this.inner.as_mut().poll(cx)
    }
}

/// Puts the previous id back when a poll ends, also when it panics.
struct Restore(Option<RequestId>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}
