//! The server: one single-threaded runtime per worker thread, all accepting on one socket.
//!
//! Handler futures need not be `Send` (see the core crate docs), so each worker runs its
//! connections on a `LocalSet`; the router and the store bindings are shared by reference
//! counting. SQLite calls run on tokio's blocking pool, so no worker thread waits on disk.
//! Each worker has its own outbound HTTP client (and so its own connection pool).

use std::net::{SocketAddr, TcpListener as StdListener};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use edgezero_core::fetch::HttpClient;
use edgezero_core::{
    env, EdgeError, RequestContext, Router, StoreBindings, StoreMetadata, StoreProvider, Stores,
};
use futures_util::FutureExt;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::client::NativeHttp;
use crate::{request, NativeProvider, ServerConfig};

/// The largest request head (request line and headers) the server reads: a bigger one is
/// answered 431 before the app runs, as on every platform.
pub use edgezero_env::MAX_REQUEST_HEAD_BYTES;

/// Everything a worker needs, shared between workers.
pub(crate) struct Shared {
    pub router: Router,
    pub bindings: Arc<StoreBindings>,
    pub provider: NativeProvider,
    pub max_body_bytes: usize,
    pub header_read_timeout: Duration,
    pub http_timeout: Duration,
}

/// What one worker thread keeps: the shared parts plus its own provider handle and
/// outbound client.
struct WorkerState {
    shared: Arc<Shared>,
    provider: Rc<dyn StoreProvider>,
    http: Rc<dyn HttpClient>,
}

/// A bound server, ready to run.
pub struct Server {
    listener: StdListener,
    config: ServerConfig,
}

impl Server {
    /// Binds the listening socket (port 0 picks a free port).
    pub fn bind(config: ServerConfig) -> std::io::Result<Server> {
        let listener = StdListener::bind(config.addr)?;
        listener.set_nonblocking(true)?;
        Ok(Server { listener, config })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish (up to 10 s).
    pub(crate) fn run<F>(self, shared: Shared, shutdown: F) -> std::io::Result<()>
    where
        F: std::future::Future<Output = ()>,
    {
        edgezero_core::timer::set_timer(tokio_sleep);
        let shared = Arc::new(shared);
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut threads = Vec::new();
        for i in 0..self.config.workers.max(1) {
            let listener = self.listener.try_clone()?;
            let shared = Arc::clone(&shared);
            let stop = stop_rx.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("edgezero-worker-{i}"))
                    .spawn(move || worker(listener, shared, stop))?,
            );
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(shutdown);
        log::info!("shutting down: finishing in-flight requests");
        let _ = stop_tx.send(true);
        for t in threads {
            match t.join() {
                Ok(result) => result?,
                Err(_) => log::error!("a worker thread panicked"),
            }
        }
        Ok(())
    }
}

/// The core timer (SSE keep-alive, apps' pauses): tokio's, on the worker's runtime. `None`
/// outside a runtime, where tokio's timer would panic.
fn tokio_sleep(duration: Duration) -> Option<edgezero_core::timer::Sleep> {
    tokio::runtime::Handle::try_current().ok()?;
    Some(Box::pin(tokio::time::sleep(duration)))
}

fn worker(
    listener: StdListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    let local_state = Rc::new(WorkerState {
        provider: Rc::new(shared.provider.clone()),
        http: Rc::new(NativeHttp::new(shared.http_timeout)),
        shared,
    });
    local.block_on(&rt, async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        connections.spawn_local(connection(stream, peer, Rc::clone(&local_state), stop.clone()));
                    }
                    Err(e) => {
                        log::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                _ = stop.changed() => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(10), drain).await.is_err() {
            log::warn!("some connections did not finish within 10 s and were closed");
        }
        Ok(())
    })
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    state: Rc<WorkerState>,
    mut stop: watch::Receiver<bool>,
) {
    let header_read_timeout = state.shared.header_read_timeout;
    let service = service_fn(move |req| {
        let state = Rc::clone(&state);
        async move { Ok::<_, std::convert::Infallible>(handle(req, peer, &state).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_header_size(MAX_REQUEST_HEAD_BYTES)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        if e.is_timeout() {
            log::debug!(
                "connection from {peer} closed: no complete request headers within {header_read_timeout:?}"
            );
        } else if !e.is_incomplete_message() {
            log::debug!("connection from {peer}: {e}");
        }
    }
}

async fn handle(
    mut req: http::Request<hyper::body::Incoming>,
    peer: SocketAddr,
    state: &WorkerState,
) -> edgezero_core::Response {
    req.extensions_mut().insert(peer);
    req.extensions_mut()
        .insert(edgezero_core::extract::ClientAddr(peer.ip()));
    let log_line = log::log_enabled!(log::Level::Info).then(|| {
        (
            Instant::now(),
            req.method().clone(),
            req.uri().path().to_string(),
        )
    });
    let resp = match request::into_core(req, state.shared.max_body_bytes) {
        Ok(req) => {
            let stores = Stores::new(
                Arc::clone(&state.shared.bindings),
                Rc::clone(&state.provider),
            );
            let ctx = RequestContext::new(req, stores)
                .with_body_limit(state.shared.max_body_bytes)
                .with_http_client(Rc::clone(&state.http));
            // Routing runs when `dispatch` is called: inside the async block, so that it is
            // under `catch_unwind` with the handler.
            match AssertUnwindSafe(async { state.shared.router.dispatch(ctx).await })
                .catch_unwind()
                .await
            {
                Ok(resp) => resp,
                Err(_) => EdgeError::internal("the handler panicked").into_response(),
            }
        }
        Err(e) => e.into_response(),
    };
    if let Some((started, method, path)) = log_line {
        log::info!(
            "{method} {path} {} {:.1?}",
            resp.status().as_u16(),
            started.elapsed()
        );
    }
    resp
}

/// Binds a server for `router` with the store ids of `stores` (resolved against the
/// process environment). Use [`Server::serve`] on the result.
pub fn bind(
    router: Router,
    stores: &StoreMetadata,
    config: ServerConfig,
) -> std::io::Result<(Server, RunHandle)> {
    let shared = Shared {
        router,
        bindings: Arc::new(StoreBindings::resolve(stores, &env::process_env)),
        provider: NativeProvider::new(config.kv_path.clone()),
        max_body_bytes: config.max_body_bytes,
        header_read_timeout: config.header_read_timeout,
        http_timeout: config.http_timeout,
    };
    Ok((Server::bind(config)?, RunHandle(shared)))
}

/// What [`Server::serve`] serves; returned by [`bind`].
pub struct RunHandle(Shared);

impl Server {
    /// Serves `handle` until `shutdown` resolves.
    pub fn serve<F: std::future::Future<Output = ()>>(
        self,
        handle: RunHandle,
        shutdown: F,
    ) -> std::io::Result<()> {
        self.run(handle.0, shutdown)
    }
}
