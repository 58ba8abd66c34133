//! The middleware chain: [`Middleware`], [`Next`] and per-route layers. Documented, with the
//! middleware EdgeZero ships, in [`crate::middleware`].

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use super::RouterInner;
use crate::context::RequestContext;
use crate::extract::Needs;
use crate::handler::{erase, BoxHandler, ErasedHandler, Handler};
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

/// The rest of the chain: later middleware, then the router or the route's handler.
pub struct Next(NextInner);

enum NextInner {
    /// A router's middleware from `index` on, then its routing.
    Router {
        router: Arc<RouterInner>,
        index: usize,
    },
    /// A route's own middleware from `index` on, then its handler.
    Chain { chain: Arc<Chain>, index: usize },
}

impl Next {
    pub(crate) fn router(router: Arc<RouterInner>) -> Self {
        Next(NextInner::Router { router, index: 0 })
    }

    /// Runs the rest of the chain.
    pub async fn run(self, ctx: RequestContext) -> Response {
        match self.0 {
            NextInner::Router { router, index } => match router.middleware.get(index) {
                Some(mw) => {
                    let mw = Arc::clone(mw);
                    let next = Next(NextInner::Router {
                        router,
                        index: index + 1,
                    });
                    mw.call(ctx, next).await
                }
                None => router.route(ctx).await,
            },
            NextInner::Chain { chain, index } => match chain.middleware.get(index) {
                Some(mw) => {
                    let mw = Arc::clone(mw);
                    let next = Next(NextInner::Chain {
                        chain,
                        index: index + 1,
                    });
                    mw.call(ctx, next).await
                }
                None => chain.handler.call(ctx).await,
            },
        }
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let index = match &self.0 {
            NextInner::Router { index, .. } | NextInner::Chain { index, .. } => index,
        };
        f.debug_struct("Next").field("index", index).finish()
    }
}

/// Middleware around one handler: the outermost first.
pub(crate) struct Chain {
    middleware: Vec<Arc<dyn Middleware>>,
    handler: BoxHandler,
}

struct ChainHandler(Arc<Chain>);

impl ErasedHandler for ChainHandler {
    fn call(&self, ctx: RequestContext) -> LocalBoxFuture<'static, Response> {
        let next = Next(NextInner::Chain {
            chain: Arc::clone(&self.0),
            index: 0,
        });
        Box::pin(next.run(ctx))
    }
}

/// `handler` behind `middleware` (outermost first); the handler itself when there is none.
pub(crate) fn wrap(middleware: &[Arc<dyn Middleware>], handler: BoxHandler) -> BoxHandler {
    if middleware.is_empty() {
        return handler;
    }
    Arc::new(ChainHandler(Arc::new(Chain {
        middleware: middleware.to_vec(),
        handler,
    })))
}

/// Middleware for one handler: `handler.layer(middleware)` in a route.
pub trait HandlerExt<T>: Handler<T> {
    /// This handler behind `middleware`, which runs for this route only (after the router's
    /// own middleware). Layers added later run first.
    fn layer<M: Middleware>(self, middleware: M) -> Layered<Self, T>
    where
        T: 'static,
    {
        Layered {
            chain: Arc::new(Chain {
                middleware: vec![Arc::new(middleware)],
                handler: erase(self),
            }),
            _handler: PhantomData,
        }
    }
}

impl<H: Handler<T>, T> HandlerExt<T> for H {}

/// A handler behind its own middleware; see [`HandlerExt::layer`].
pub struct Layered<H, T> {
    chain: Arc<Chain>,
    _handler: PhantomData<fn() -> (H, T)>,
}

impl<H, T> Clone for Layered<H, T> {
    fn clone(&self) -> Self {
        Layered {
            chain: Arc::clone(&self.chain),
            _handler: PhantomData,
        }
    }
}

/// Marks the [`Handler`] implementation of [`Layered`].
#[derive(Debug)]
pub enum ViaLayer {}

impl<H, T> Handler<(ViaLayer, H, T)> for Layered<H, T>
where
    H: Handler<T>,
    T: 'static,
{
    fn call(self, ctx: RequestContext) -> impl Future<Output = Response> + 'static {
        Next(NextInner::Chain {
            chain: self.chain,
            index: 0,
        })
        .run(ctx)
    }

    fn needs(needs: &mut Needs) {
        H::needs(needs);
    }
}

impl<H, T> std::fmt::Debug for Layered<H, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layered").finish_non_exhaustive()
    }
}
