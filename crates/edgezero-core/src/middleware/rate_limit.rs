//! Rate limiting: a fixed window per client, counted in a key-value store.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use http::StatusCode;

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::extract::ClientAddr;
use crate::response::Response;
use crate::timer;

type KeyFn = Arc<dyn Fn(&RequestContext) -> Option<String> + Send + Sync>;

/// At most `limit` requests per client in each fixed window (a minute, say); the next ones
/// get `429 Too Many Requests` with `Retry-After` (seconds to the next window), without
/// reaching the handler.
///
/// Requests are counted with the store's atomic [`increment`](crate::store::kv::KvHandle::increment)
/// under `<prefix><client>:<window>`, so every instance of the app counts together and no
/// concurrent request is lost. Windows are cut from the wall clock ([`timer::unix_time`]),
/// the same on every instance. The first request of a window deletes the client's previous
/// window, so a client leaves at most one stale key behind. Each answer carries
/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
///
/// The client is its [`ClientAddr`] (or what [`RateLimit::key_by`] returns); requests
/// without one share the key `unknown`. A store without atomic operations (a plain Workers
/// KV namespace) answers `501` naming the fix: mark the store atomic, as `docs/cloudflare.md`
/// shows. A store that fails answers its own error (`503`): the limiter does not let traffic
/// through unchecked.
///
/// ```
/// use std::time::Duration;
/// use edgezero_core::middleware::RateLimit;
/// use edgezero_core::Router;
///
/// let router = Router::new()
///     .get("/api/hello", || async { "hi" })
///     .layer(RateLimit::per_minute(60).store("limits"));
/// # let _ = router;
/// let _per_api_key = RateLimit::new(1000, Duration::from_secs(3600))
///     .key_by(|ctx| ctx.headers().get("x-api-key")?.to_str().ok().map(str::to_owned));
/// ```
#[derive(Clone)]
pub struct RateLimit {
    limit: u64,
    window: Duration,
    store: Option<String>,
    prefix: String,
    key: Option<KeyFn>,
}

impl RateLimit {
    /// `limit` requests per `window` (at least one second; shorter is taken as one second).
    pub fn new(limit: u64, window: Duration) -> Self {
        RateLimit {
            limit,
            window: window.max(Duration::from_secs(1)),
            store: None,
            prefix: "rate:".into(),
            key: None,
        }
    }

    /// `limit` requests per minute.
    pub fn per_minute(limit: u64) -> Self {
        Self::new(limit, Duration::from_secs(60))
    }

    /// Counts in the KV store `id` (the default KV store otherwise).
    pub fn store(mut self, id: impl Into<String>) -> Self {
        self.store = Some(id.into());
        self
    }

    /// The prefix of the counters' keys (`rate:` by default); give each limiter of an app
    /// its own.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Counts per `key(ctx)` instead of per client address; `None` falls back to the address.
    pub fn key_by(
        mut self,
        key: impl Fn(&RequestContext) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.key = Some(Arc::new(key));
        self
    }

    fn client(&self, ctx: &RequestContext) -> String {
        if let Some(key) = self.key.as_ref().and_then(|key| key(ctx)) {
            return key;
        }
        match ctx.extensions().get::<ClientAddr>() {
            Some(ClientAddr(ip)) => ip.to_string(),
            None => {
                static WARNED: AtomicBool = AtomicBool::new(false);
                if !WARNED.swap(true, Ordering::Relaxed) {
                    log::warn!("RateLimit: requests without a client address share one window");
                }
                "unknown".into()
            }
        }
    }

    /// `Ok(headers)` when the request may go on, else the `429`.
    async fn count(&self, ctx: &RequestContext) -> Result<HeaderMap, Response> {
        let now = timer::unix_time().unwrap_or_else(timer::now);
        let secs = self.window.as_secs();
        let window = now.as_secs() / secs;
        let reset = secs - now.as_secs() % secs;
        let client = self.client(ctx);
        let stores = ctx.stores();
        let kv = match &self.store {
            Some(id) => stores.kv(id).await,
            None => stores.default_kv().await,
        }
        .map_err(|e| EdgeError::from(e).into_response())?;
        let key = format!("{}{client}:{window}", self.prefix);
        let count = kv
            .increment(&key, 1)
            .await
            .map_err(|e| EdgeError::from(e).into_response())?;
        if count == 1 && window > 0 {
            let previous = format!("{}{client}:{}", self.prefix, window - 1);
            if let Err(e) = kv.delete(&previous).await {
                log::warn!("RateLimit: could not delete the previous window {previous:?}: {e}");
            }
        }
        let count = u64::try_from(count).unwrap_or(0);
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("ratelimit-limit"),
            self.limit.into(),
        );
        headers.insert(
            HeaderName::from_static("ratelimit-remaining"),
            self.limit.saturating_sub(count).into(),
        );
        headers.insert(HeaderName::from_static("ratelimit-reset"), reset.into());
        if count <= self.limit {
            return Ok(headers);
        }
        let mut resp = EdgeError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "more than {} requests in {} s; retry in {reset} s",
                self.limit, secs
            ),
        )
        .with_header(RETRY_AFTER, HeaderValue::from(reset))
        .into_response();
        resp.headers_mut().extend(headers);
        Err(resp)
    }
}

impl Middleware for RateLimit {
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let limiter = self.clone();
        Box::pin(async move {
            match limiter.count(&ctx).await {
                Ok(headers) => {
                    let mut resp = next.run(ctx).await;
                    resp.headers_mut().extend(headers);
                    resp
                }
                Err(refusal) => refusal,
            }
        })
    }
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .field("store", &self.store)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}
