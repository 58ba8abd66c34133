//! The HTTP server: routes each request to a component as Spin does, runs it on a reused
//! instance, and logs one line per request.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use wasmtime::component::Accessor;
use wasmtime_wasi_http::handler::{Proxy, ProxyHandler};
use wasmtime_wasi_http::p3::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p3::Request as WasiRequest;

use crate::engine::{ComponentHandler, InstanceState};
use edgezero_spin_manifest::routes::{set_spin_headers, Route, RouteMatch, Router};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The body of every response the host sends.
pub type ResponseBody = UnsyncBoxBody<Bytes, BoxError>;
/// A request or response body between the host and a guest.
pub type GuestBody = UnsyncBoxBody<Bytes, ErrorCode>;

/// The largest request head (request line and headers) the host reads: a bigger one is
/// answered 431 before any component runs, as on every platform.
pub use edgezero_env::MAX_REQUEST_HEAD_BYTES;

/// How long shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The routing table and one dispatcher per component.
pub struct App {
    /// Routes to component ids.
    pub router: Router,
    /// Dispatchers by component id.
    pub handlers: HashMap<String, ProxyHandler<ComponentHandler>>,
    /// The request body limit of each component (its `EDGEZERO__ADAPTER__MAX_BODY_BYTES`):
    /// a declared `Content-Length` above it is answered 413 at once, before the component
    /// runs and before any of the body is read.
    pub body_limits: HashMap<String, usize>,
    /// How long a connection may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// The address the app was first bound to: the `Host` of its requests to itself.
    pub self_origin: std::sync::OnceLock<SocketAddr>,
    /// Requests to the app itself waiting for their answers ([`crate::internal`]).
    pub internal_in_flight: std::sync::atomic::AtomicUsize,
}

/// The declared `Content-Length`, when there is one and it parses.
fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn too_large(limit: usize) -> Response<ResponseBody> {
    let body = format!(
        "{{\"error\":{{\"status\":413,\"message\":\"request body is larger than the limit of {limit} bytes\"}}}}"
    );
    let mut res = Response::new(
        http_body_util::Full::new(Bytes::from(body))
            .map_err(|e: Infallible| match e {})
            .boxed_unsync(),
    );
    *res.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    // The body was not read: the connection cannot carry another request.
    res.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    res
}

fn empty(status: StatusCode) -> Response<ResponseBody> {
    let mut res = Response::new(
        Empty::new()
            .map_err(|e: Infallible| match e {})
            .boxed_unsync(),
    );
    *res.status_mut() = status;
    res
}

/// The `spin-client-addr` of a request a component sent to another by service chaining
/// (as under `spin up`).
const CHAINED_CLIENT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0);

/// Handles one request: route, add the `spin-*` headers, run the component, log.
pub async fn handle(
    app: Arc<App>,
    mut req: http::Request<GuestBody>,
    client: SocketAddr,
) -> Response<ResponseBody> {
    let started = Instant::now();
    let method = req.method().clone();
    let path_and_query = path_and_query(&req);
    let (component, res) = match app.router.route(req.uri().path()) {
        None => ("-".to_string(), empty(StatusCode::NOT_FOUND)),
        Some((route, component, matched)) => {
            set_spin_headers(req.headers_mut(), &path_and_query, route, &matched, client);
            let res = run(&app, component, req, &path_and_query).await;
            (component.to_string(), res)
        }
    };
    log::info!(
        "{method} {path_and_query} -> {} [{component}] {:.1} ms",
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    res
}

/// Handles a request one component sent to another by service chaining
/// (`http://<id>.spin.internal/...`): the target runs it as if matched by a `/...` route,
/// whatever its own routes (it may have none: `route = { private = true }`). `None` when
/// the app has no such component.
pub async fn handle_chained(
    app: Arc<App>,
    component: &str,
    mut req: http::Request<GuestBody>,
) -> Option<Response<ResponseBody>> {
    if !app.handlers.contains_key(component) {
        return None;
    }
    let started = Instant::now();
    let method = req.method().clone();
    let path_and_query = path_and_query(&req);
    let route = Route::parse("/...").ok()?;
    let matched = RouteMatch {
        params: Vec::new(),
        path_info: req.uri().path().to_string(),
    };
    set_spin_headers(
        req.headers_mut(),
        &path_and_query,
        &route,
        &matched,
        CHAINED_CLIENT,
    );
    let res = run(&app, component, req, &path_and_query).await;
    log::info!(
        "{method} {path_and_query} -> {} [{component}, chained] {:.1} ms",
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Some(res)
}

fn path_and_query<B>(req: &http::Request<B>) -> String {
    req.uri()
        .path_and_query()
        .map_or_else(|| "/".to_string(), |pq| pq.as_str().to_string())
}

/// Runs a routed request on `component`: the 413 check, then an instance.
async fn run(
    app: &App,
    component: &str,
    mut req: http::Request<GuestBody>,
    path_and_query: &str,
) -> Response<ResponseBody> {
    // The component sees the path and query only, as under `spin up`.
    if let Ok(uri) = path_and_query.parse() {
        *req.uri_mut() = uri;
    }
    let limit = app.body_limits.get(component).copied();
    let declared = declared_length(req.headers());
    let method = req.method().clone();
    match app.handlers.get(component) {
        Some(_) if matches!((declared, limit), (Some(n), Some(l)) if n > l as u64) => {
            too_large(limit.unwrap_or_default())
        }
        Some(handler) => match dispatch(handler, req).await {
            Ok(res) => res,
            Err(e) => {
                log::error!("component \"{component}\" failed on {method} {path_and_query}: {e}");
                empty(StatusCode::INTERNAL_SERVER_ERROR)
            }
        },
        None => empty(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// Runs the request on an instance of the component and returns its response; the body
/// streams from the instance, which stays alive until the body is done.
async fn dispatch(
    handler: &ProxyHandler<ComponentHandler>,
    req: http::Request<GuestBody>,
) -> anyhow::Result<Response<ResponseBody>> {
    let (tx, rx) = oneshot::channel::<anyhow::Result<Response<GuestBody>>>();
    handler.spawn(
        None,
        Box::new(move |accessor: &Accessor<InstanceState>, proxy: &Proxy| {
            Box::pin(run_guest(accessor, proxy, req, tx))
        }),
    );
    let res = rx.await.map_err(|_| {
        anyhow::anyhow!("the instance stopped before answering (see the error above)")
    })??;
    Ok(res.map(|body| {
        body.map_err(|e| -> BoxError { format!("{e:?}").into() })
            .boxed_unsync()
    }))
}

async fn run_guest(
    accessor: &Accessor<InstanceState>,
    proxy: &Proxy,
    req: http::Request<impl Body<Data = Bytes, Error = ErrorCode> + Send + 'static>,
    tx: oneshot::Sender<anyhow::Result<Response<GuestBody>>>,
) {
    let Proxy::P3(service) = proxy else {
        let _ = tx.send(Err(anyhow::anyhow!("not a wasi:http 0.3 component")));
        return;
    };
    let (request, request_io) = WasiRequest::from_http(req);
    let res = match service.handle(accessor, request).await {
        Ok(Ok(res)) => res,
        Ok(Err(code)) => {
            let _ = tx.send(Err(anyhow::anyhow!(
                "the component returned the error {code:?}"
            )));
            return;
        }
        Err(trap) => {
            let _ = tx.send(Err(anyhow::anyhow!("the component trapped: {trap:?}")));
            return;
        }
    };
    let res = match accessor.with(|mut store| res.into_http(&mut store, request_io)) {
        Ok(res) => res,
        Err(e) => {
            let _ = tx.send(Err(anyhow::anyhow!("invalid response: {e:?}")));
            return;
        }
    };
    let (done_tx, done_rx) = oneshot::channel();
    let res = res.map(|body| TrackedBody::new(body, done_tx).boxed_unsync());
    if tx.send(Ok(res)).is_ok() {
        // Keep this task (and so the instance) alive while the guest writes the body.
        let _ = done_rx.await;
    }
}

/// A body that reports when it is finished or dropped.
struct TrackedBody {
    inner: GuestBody,
    done: Option<oneshot::Sender<()>>,
}

impl TrackedBody {
    fn new(inner: GuestBody, done: oneshot::Sender<()>) -> Self {
        TrackedBody {
            inner,
            done: Some(done),
        }
    }

    fn finish(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Body for TrackedBody {
    type Data = Bytes;
    type Error = ErrorCode;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ErrorCode>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.finish();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Accepts connections until `shutdown` changes, then lets requests in flight finish (up to
/// a grace period).
pub async fn serve(app: Arc<App>, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        let (stream, client) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                log::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let header_read_timeout = app.header_read_timeout;
        let app = Arc::clone(&app);
        let mut stop = shutdown.clone();
        connections.spawn(async move {
            let service = service_fn(move |req| {
                let app = Arc::clone(&app);
                let req = req.map(|body: Incoming| {
                    body.map_err(ErrorCode::from_hyper_request_error)
                        .boxed_unsync()
                });
                async move { Ok::<_, Infallible>(handle(app, req, client).await) }
            });
            let conn = http1::Builder::new()
                .keep_alive(true)
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .max_header_size(MAX_REQUEST_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            let mut conn = pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                log::debug!("connection from {client}: {e}");
            }
        });
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        log::warn!(
            "{} connection(s) still open after {}s; closing them",
            connections.len(),
            SHUTDOWN_GRACE.as_secs()
        );
        connections.abort_all();
    }
}
