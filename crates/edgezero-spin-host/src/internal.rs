//! Requests a component sends to the app itself, as `spin up` serves them:
//!
//! - **self requests** — `http://self.alt/api/x` — are routed by the app's own routes;
//!   `allowed_outbound_hosts` must contain `"http://self"` (or `"self"`, or a wildcard
//!   host). (A URL without scheme and host is refused by `wasi:http` 0.3 before it gets
//!   here, as under `spin up`.)
//! - **service chaining** — `http://<component id>.spin.internal/path` — runs the request on
//!   that component directly, as if matched by a `/...` route, even when its trigger is
//!   `route = { private = true }`; `allowed_outbound_hosts` must allow that host (e.g.
//!   `"http://<id>.spin.internal"` or `"http://*.spin.internal"`).
//!
//! Both stay in the process: no socket, no DNS. Each waits at most the request's first-byte
//! timeout (its `wasi:http` options, e.g. from `EDGEZERO__HTTP__TIMEOUT_MS`) for the answer's
//! head. At most [`MAX_INTERNAL_IN_FLIGHT`] such requests run at once in an app, so a
//! component that calls itself in a loop gets an error instead of exhausting the host.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use wasmtime_wasi_http::p3::bindings::http::types::ErrorCode;

use crate::outbound::{InternalApp, Target};
use crate::server::{self, App, GuestBody};

/// Requests to the app itself that may wait for their answer at the same time.
pub const MAX_INTERNAL_IN_FLIGHT: usize = 64;

impl InternalApp for App {
    fn send(
        self: Arc<Self>,
        target: Target,
        request: http::Request<GuestBody>,
        first_byte_timeout: Option<Duration>,
    ) -> Pin<Box<dyn Future<Output = Result<http::Response<GuestBody>, ErrorCode>> + Send>> {
        Box::pin(send(self, target, request, first_byte_timeout))
    }
}

/// Serves an internal request; the response body streams from the target component.
async fn send(
    app: Arc<App>,
    target: Target,
    request: http::Request<GuestBody>,
    first_byte_timeout: Option<Duration>,
) -> Result<http::Response<GuestBody>, ErrorCode> {
    let in_flight = app.internal_in_flight.fetch_add(1, Ordering::SeqCst);
    let _count = InFlight(&app);
    if in_flight >= MAX_INTERNAL_IN_FLIGHT {
        log::warn!(
            "{} requests to the app itself are waiting for answers; refusing more (does a component call itself in a loop?)",
            MAX_INTERNAL_IN_FLIGHT
        );
        return Err(ErrorCode::InternalError(Some(
            "too many requests to the app itself at once".into(),
        )));
    }
    let routed = route(&app, target, request);
    match first_byte_timeout {
        Some(limit) => tokio::time::timeout(limit, routed)
            .await
            .map_err(|_| ErrorCode::ConnectionReadTimeout)?,
        None => routed.await,
    }
}

/// Counts one internal request while it waits for its answer.
struct InFlight<'a>(&'a App);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.internal_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn route(
    app: &Arc<App>,
    target: Target,
    mut request: http::Request<GuestBody>,
) -> Result<http::Response<GuestBody>, ErrorCode> {
    let path_and_query = request
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/"));
    *request.uri_mut() = http::Uri::from(path_and_query);
    let response = match target {
        Target::SelfApp => {
            let host = match app.self_origin.get() {
                Some(addr) => addr.to_string(),
                None => "localhost".to_string(),
            };
            if let Ok(v) = http::HeaderValue::from_str(&host) {
                request.headers_mut().insert(http::header::HOST, v);
            }
            let client = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            server::handle(Arc::clone(app), request, client).await
        }
        Target::Component(id) => server::handle_chained(Arc::clone(app), &id, request)
            .await
            .ok_or_else(|| {
                log::warn!("service chaining to \"{id}\": the app has no component \"{id}\"");
                ErrorCode::DestinationNotFound
            })?,
        Target::Network => return Err(ErrorCode::HttpRequestUriInvalid),
    };
    Ok(response.map(|body| {
        body.map_err(|e| ErrorCode::InternalError(Some(e.to_string())))
            .boxed_unsync()
    }))
}
