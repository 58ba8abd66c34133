//! Middleware: code that runs around every request, including 404 and 405 answers.
//!
//! ```
//! use edgezero_core::{Next, RequestContext, Response, Router};
//!
//! async fn server_header(ctx: RequestContext, next: Next) -> Response {
//!     let mut resp = next.run(ctx).await;
//!     resp.headers_mut().insert("server", "edgezero".parse().unwrap());
//!     resp
//! }
//!
//! let router = Router::new().layer(server_header);
//! # let _ = router;
//! ```

use std::future::Future;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use super::RouterInner;
use crate::context::RequestContext;
use crate::response::Response;

/// Code that wraps request handling. Implemented for
/// `async fn(RequestContext, Next) -> Response` and for closures of that shape.
pub trait Middleware: Send + Sync + 'static {
    /// Handles the request, usually by calling `next.run(ctx)` somewhere inside.
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response>;
}

impl<F, Fut> Middleware for F
where
    F: Fn(RequestContext, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + 'static,
{
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        Box::pin((self)(ctx, next))
    }
}

/// The rest of the chain: later middleware, then the router.
pub struct Next {
    pub(crate) router: Arc<RouterInner>,
    pub(crate) index: usize,
}

impl Next {
    /// Runs the rest of the chain.
    pub async fn run(self, ctx: RequestContext) -> Response {
        match self.router.middleware.get(self.index) {
            Some(mw) => {
                let mw = Arc::clone(mw);
                let next = Next {
                    router: self.router,
                    index: self.index + 1,
                };
                mw.call(ctx, next).await
            }
            None => self.router.route(ctx).await,
        }
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").field("index", &self.index).finish()
    }
}
