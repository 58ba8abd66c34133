//! A deadline for the handler.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::future::{select, Either, LocalBoxFuture};
use http::StatusCode;

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::response::Response;
use crate::timer;

/// Answers `504 Gateway Timeout` when the handler (and the middleware inside this one) has
/// not produced a response head within the duration. The handler's future is dropped at that
/// moment, which cancels whatever it awaited (an outbound fetch, a store call).
///
/// The deadline covers the response head: a streamed body the handler returned in time goes
/// on streaming. It needs the platform's timer ([`crate::timer`]), which every adapter
/// installs; where there is none (a router dispatched by hand), the request runs without a
/// deadline and a warning is logged once.
///
/// ```
/// use std::time::Duration;
/// use edgezero_core::middleware::{HandlerExt, Timeout};
/// use edgezero_core::Router;
///
/// async fn report() -> &'static str { "done" }
///
/// let router = Router::new()
///     .get("/report", report.layer(Timeout::new(Duration::from_secs(30))))
///     .layer(Timeout::new(Duration::from_secs(5)));
/// # let _ = router;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Timeout(Duration);

impl Timeout {
    /// A deadline of `duration` from the moment the request reaches this middleware.
    pub fn new(duration: Duration) -> Self {
        Timeout(duration)
    }
}

static WARNED: AtomicBool = AtomicBool::new(false);

impl Middleware for Timeout {
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let duration = self.0;
        let Some(sleep) = timer::sleep(duration) else {
            if !WARNED.swap(true, Ordering::Relaxed) {
                log::warn!("Timeout middleware: no platform timer is installed; requests run without a deadline");
            }
            return Box::pin(next.run(ctx));
        };
        Box::pin(async move {
            let handler = Box::pin(next.run(ctx));
            match select(handler, sleep).await {
                Either::Left((resp, _)) => resp,
                Either::Right(((), handler)) => {
                    drop(handler);
                    EdgeError::new(
                        StatusCode::GATEWAY_TIMEOUT,
                        "timeout",
                        format!("no response within {} ms", duration.as_millis()),
                    )
                    .into_response()
                }
            }
        })
    }
}
