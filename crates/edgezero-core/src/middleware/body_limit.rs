//! A request body limit for some routes.

use futures_util::future::LocalBoxFuture;
use http::header;

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::response::Response;

/// Sets the largest request body the routes it wraps accept, in bytes, in place of the
/// adapter's limit (`EDGEZERO__ADAPTER__MAX_BODY_BYTES`, 1 MiB by default).
///
/// A declared `Content-Length` over the limit is `413` before the handler runs; a body that
/// streams past it fails with `413` in whatever reads it — every body extractor, the
/// streaming [`Body`](crate::Body) included — and nothing past the limit is handed out.
/// A limit above the adapter's own can only help where the platform itself accepts the
/// bigger body.
///
/// ```
/// use edgezero_core::middleware::{BodyLimit, HandlerExt};
/// use edgezero_core::{Bytes, Router};
///
/// async fn comment(body: Bytes) -> String { format!("{} bytes", body.len()) }
/// async fn upload(body: Bytes) -> String { format!("{} bytes", body.len()) }
///
/// let router = Router::new()
///     .post("/comments", comment.layer(BodyLimit::new(4 * 1024)))
///     .post("/uploads", upload.layer(BodyLimit::new(8 * 1024 * 1024)));
/// # let _ = router;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(usize);

impl BodyLimit {
    /// A limit of `bytes`.
    pub fn new(bytes: usize) -> Self {
        BodyLimit(bytes)
    }
}

impl Middleware for BodyLimit {
    fn call(&self, mut ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let limit = self.0;
        let declared = ctx
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            let resp = EdgeError::payload_too_large(limit).into_response();
            return Box::pin(async move { resp });
        }
        if let Some(body) = ctx.take_body() {
            match body.limited(limit) {
                Ok(body) => ctx.set_body(body),
                Err(e) => {
                    let resp = e.into_response();
                    return Box::pin(async move { resp });
                }
            }
        }
        Box::pin(next.run(ctx.with_body_limit(limit)))
    }
}
