//! Handlers: async functions whose arguments are extractors.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use crate::context::RequestContext;
use crate::extract::{FromRequest, FromRequestParts, Needs};
use crate::response::{IntoResponse, Response};

/// An async function usable as a route handler. `T` describes its argument types.
///
/// Implemented for `async fn`s (and closures) of up to eight arguments returning anything
/// that is [`IntoResponse`]: every argument but the last is a head extractor
/// ([`FromRequestParts`]); the last may also read the body ([`FromRequest`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler",
    label = "not a handler",
    note = "a handler is an async fn whose arguments are extractors — any number of head \
            extractors (Path, Query, HeaderMap, State, Kv, ...) then at most one body extractor \
            (Json, Form, Bytes, String, Body, Request), last — and whose result implements \
            IntoResponse"
)]
pub trait Handler<T>: Clone + Send + Sync + Sized + 'static {
    /// Runs the handler.
    fn call(self, ctx: RequestContext) -> impl Future<Output = Response> + 'static;

    /// What the handler's extractors need from the router (checked by `Router::try_build`).
    #[doc(hidden)]
    fn needs(_needs: &mut Needs) {}
}

impl<F, Fut, R> Handler<()> for F
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + 'static,
    R: IntoResponse,
{
    #[allow(clippy::manual_async_fn)]
    fn call(self, ctx: RequestContext) -> impl Future<Output = Response> + 'static {
        async move {
            drop(ctx);
            (self)().await.into_response()
        }
    }
}

macro_rules! impl_handler {
    ([$($arg:ident),*], $last:ident) => {
        #[allow(non_snake_case, unused_mut)]
        impl<F, Fut, R, M, $($arg,)* $last> Handler<(M, $($arg,)* $last,)> for F
        where
            F: Fn($($arg,)* $last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + 'static,
            R: IntoResponse,
            M: 'static,
            $($arg: FromRequestParts + 'static,)*
            $last: FromRequest<M> + 'static,
        {
            #[allow(clippy::manual_async_fn)]
            fn call(self, mut ctx: RequestContext) -> impl Future<Output = Response> + 'static {
                async move {
                    $(
                        let $arg = match $arg::from_request_parts(&mut ctx).await {
                            Ok(v) => v,
                            Err(e) => return e.into_response(),
                        };
                    )*
                    let $last = match $last::from_request(&mut ctx).await {
                        Ok(v) => v,
                        Err(e) => return e.into_response(),
                    };
                    drop(ctx);
                    (self)($($arg,)* $last).await.into_response()
                }
            }

            fn needs(needs: &mut Needs) {
                $(<$arg as FromRequestParts>::needs(needs);)*
                <$last as FromRequest<M>>::needs(needs);
            }
        }
    };
}

impl_handler!([], A1);
impl_handler!([A1], A2);
impl_handler!([A1, A2], A3);
impl_handler!([A1, A2, A3], A4);
impl_handler!([A1, A2, A3, A4], A5);
impl_handler!([A1, A2, A3, A4, A5], A6);
impl_handler!([A1, A2, A3, A4, A5, A6], A7);
impl_handler!([A1, A2, A3, A4, A5, A6, A7], A8);

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
