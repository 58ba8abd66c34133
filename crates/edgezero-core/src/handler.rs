//! Handlers: async functions whose arguments are extractors.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use crate::context::RequestContext;
use crate::extract::FromRequest;
use crate::response::{IntoResponse, Response};

/// An async function usable as a route handler. `T` is the tuple of its argument types.
///
/// Implemented for `async fn`s (and closures) of up to eight arguments, each an extractor
/// ([`FromRequest`]), returning anything that is [`IntoResponse`].
pub trait Handler<T>: Clone + Send + Sync + Sized + 'static {
    /// Runs the handler.
    fn call(self, ctx: RequestContext) -> impl Future<Output = Response> + 'static;
}

macro_rules! impl_handler {
    ($($arg:ident),*) => {
        #[allow(non_snake_case, unused_mut, unused_variables)]
        impl<F, Fut, R, $($arg,)*> Handler<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + 'static,
            R: IntoResponse,
            $($arg: FromRequest + 'static,)*
        {
            #[allow(clippy::manual_async_fn)]
            fn call(self, mut ctx: RequestContext) -> impl Future<Output = Response> + 'static {
                async move {
                    $(
                        let $arg = match $arg::from_request(&mut ctx).await {
                            Ok(v) => v,
                            Err(e) => return e.into_response(),
                        };
                    )*
                    drop(ctx);
                    (self)($($arg),*).await.into_response()
                }
            }
        }
    };
}

impl_handler!();
impl_handler!(A1);
impl_handler!(A1, A2);
impl_handler!(A1, A2, A3);
impl_handler!(A1, A2, A3, A4);
impl_handler!(A1, A2, A3, A4, A5);
impl_handler!(A1, A2, A3, A4, A5, A6);
impl_handler!(A1, A2, A3, A4, A5, A6, A7);
impl_handler!(A1, A2, A3, A4, A5, A6, A7, A8);

/// A type-erased handler, as stored in the router.
pub(crate) trait ErasedHandler: Send + Sync + 'static {
    fn call(&self, ctx: RequestContext) -> LocalBoxFuture<'static, Response>;
}

struct HandlerFn<H, T> {
    handler: H,
    _args: std::marker::PhantomData<fn() -> T>,
}

impl<H, T> ErasedHandler for HandlerFn<H, T>
where
    H: Handler<T>,
    T: 'static,
{
    fn call(&self, ctx: RequestContext) -> LocalBoxFuture<'static, Response> {
        Box::pin(self.handler.clone().call(ctx))
    }
}

pub(crate) type BoxHandler = Arc<dyn ErasedHandler>;

pub(crate) fn erase<H: Handler<T>, T: 'static>(handler: H) -> BoxHandler {
    Arc::new(HandlerFn {
        handler,
        _args: std::marker::PhantomData,
    })
}
