//! Outbound HTTP natively: a pooled hyper client (HTTP/1.1; `http` and `https` through
//! rustls with the `ring` provider and the Mozilla roots of `webpki-roots`), one per worker
//! thread, handed to every request as its [`Client`](edgezero_core::fetch::Client).
//!
//! Bodies stream both ways. Core bodies are not `Send` and hyper's connection tasks need
//! `Send` bodies, so a streamed request body is pumped by a task on the worker's `LocalSet`
//! into a bounded channel that the hyper body reads; a buffered body goes to hyper as it
//! is. The response body is handed back as a stream, never collected.
//!
//! The timeout (`EDGEZERO__HTTP__TIMEOUT_MS`) is how long the exchange may go without
//! progress: connecting (DNS, TCP, TLS), sending the request body (each chunk the origin
//! takes counts as progress) and waiting for the response head end with
//! [`FetchError::Timeout`]; a response body that stalls for longer ends its stream with an
//! error, so a proxied download cut by a stalled origin fails instead of hanging.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::body::{BodyStream, BoxError};
use edgezero_core::fetch::{check_url, FetchError, HttpClient};
use edgezero_core::{Body, Request, Response};
use futures_util::{Stream, StreamExt};
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

/// Chunks of a streamed request body buffered between the handler and the connection.
const PUMP_CHUNKS: usize = 4;
/// How long an unused pooled connection is kept.
const POOL_IDLE: Duration = Duration::from_secs(30);

/// The native outbound client. Must be used on a tokio `LocalSet` (as the server's workers
/// are): a streamed request body is pumped by a local task.
pub struct NativeHttp {
    client: Client<HttpsConnector<HttpConnector>, OutgoingBody>,
    timeout: Duration,
}

impl NativeHttp {
    /// A client whose exchanges may go `timeout` without progress.
    pub fn new(timeout: Duration) -> Self {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        let connector = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(crypto_provider())
            .expect("rustls providers support rustls's default protocol versions")
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE)
            .pool_timer(TokioTimer::new())
            .build(connector);
        NativeHttp { client, timeout }
    }

    /// The timeout in force.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// The TLS provider: the process default when the app installed one
/// (`rustls::crypto::CryptoProvider::install_default`, e.g. aws-lc-rs for post-quantum key
/// exchange), else *ring*. rustls deprecates its *ring* provider for lacking post-quantum key
/// exchange; it stays the fallback because aws-lc-rs would add a large C library build to
/// every native app. An app that wants post-quantum TLS installs its provider at startup.
fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    if let Some(installed) = rustls::crypto::CryptoProvider::get_default() {
        return Arc::clone(installed);
    }
    #[allow(deprecated)]
    let ring = rustls::crypto::ring::default_provider();
    Arc::new(ring)
}

#[async_trait(?Send)]
impl HttpClient for NativeHttp {
    async fn send(&self, request: Request) -> Result<Response, FetchError> {
        let host = check_url(request.uri())?.to_string();
        let (parts, body) = request.into_parts();
        let progress = Progress::new();
        let failure: Rc<RefCell<Option<BoxError>>> = Rc::default();
        let source = match body {
            Body::Empty => Source::Full(None),
            Body::Full(bytes) => Source::Full(Some(bytes).filter(|b| !b.is_empty())),
            Body::Stream(stream) => Source::Channel(pump(stream, Rc::clone(&failure))),
        };
        let outgoing = http::Request::from_parts(
            parts,
            OutgoingBody {
                source,
                progress: progress.clone(),
            },
        );
        match until_idle(self.client.request(outgoing), &progress, self.timeout).await {
            None => Err(FetchError::Timeout {
                host,
                timeout: self.timeout,
            }),
            Some(Ok(response)) => {
                let idle = self.timeout;
                Ok(response.map(|incoming| Body::from_stream(IncomingStream::new(incoming, idle))))
            }
            Some(Err(err)) => Err(fetch_error(&host, &err, failure.borrow_mut().take())),
        }
    }
}

/// One function maps every client failure: a failed request body keeps its own error (so a
/// proxied upload past the body limit stays a 413); a failure to connect (DNS, refused,
/// TLS) is `Connect`; anything later is `Other`.
fn fetch_error(
    host: &str,
    err: &hyper_util::client::legacy::Error,
    body_failure: Option<BoxError>,
) -> FetchError {
    if let Some(e) = body_failure {
        return FetchError::request_body(e);
    }
    let reason = root_cause(err);
    if err.is_connect() {
        FetchError::Connect {
            host: host.to_string(),
            reason,
        }
    } else {
        FetchError::Other(format!("the exchange with {host} failed: {reason}"))
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// When the exchange last moved, shared with the hyper body (which may live on a
/// connection task).
#[derive(Clone)]
struct Progress {
    start: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Progress {
    fn new() -> Self {
        Progress {
            start: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn deadline(&self, idle: Duration) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed)) + idle
    }
}

/// Runs `fut` until it completes (`Some`) or `idle` passes without progress (`None`).
async fn until_idle<F: Future>(fut: F, progress: &Progress, idle: Duration) -> Option<F::Output> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Some(out),
            _ = tokio::time::sleep_until(progress.deadline(idle)) => {
                if progress.deadline(idle) <= Instant::now() {
                    return None;
                }
            }
        }
    }
}

/// Reads a core body stream on this thread into a bounded channel. Stops when the body
/// ends, fails (the error is kept for [`fetch_error`]) or the request is abandoned.
fn pump(
    mut body: BodyStream,
    failure: Rc<RefCell<Option<BoxError>>>,
) -> mpsc::Receiver<Result<Bytes, BoxError>> {
    let (tx, rx) = mpsc::channel(PUMP_CHUNKS);
    tokio::task::spawn_local(async move {
        loop {
            let next = tokio::select! {
                next = body.next() => next,
                _ = tx.closed() => return,
            };
            match next {
                None => return,
                Some(Ok(chunk)) if chunk.is_empty() => {}
                Some(Ok(chunk)) => {
                    if tx.send(Ok(chunk)).await.is_err() {
                        return;
                    }
                }
                Some(Err(e)) => {
                    let message = e.to_string();
                    *failure.borrow_mut() = Some(e);
                    let _ = tx.send(Err(message.into())).await;
                    return;
                }
            }
        }
    });
    rx
}

enum Source {
    Full(Option<Bytes>),
    Channel(mpsc::Receiver<Result<Bytes, BoxError>>),
}

/// The request body as hyper sends it: `Send`, marking progress as the origin takes chunks.
struct OutgoingBody {
    source: Source,
    progress: Progress,
}

impl http_body::Body for OutgoingBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let next = match &mut this.source {
            Source::Full(bytes) => Poll::Ready(bytes.take().map(Ok)),
            Source::Channel(rx) => rx.poll_recv(cx),
        };
        if let Poll::Ready(Some(Ok(_))) = &next {
            this.progress.touch();
        }
        next.map(|item| item.map(|r| r.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.source, Source::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.source {
            Source::Full(None) => SizeHint::with_exact(0),
            Source::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Source::Channel(_) => SizeHint::default(),
        }
    }
}

/// The response body as a core stream, failing once the origin sends nothing for `idle`
/// while it is being read.
struct IncomingStream {
    body: Incoming,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    waiting: bool,
    done: bool,
}

impl IncomingStream {
    fn new(body: Incoming, idle: Duration) -> Self {
        IncomingStream {
            body,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            waiting: false,
            done: false,
        }
    }
}

impl Stream for IncomingStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => {
                        this.waiting = false;
                        return Poll::Ready(Some(Ok(data)));
                    }
                    _ => continue, // an empty chunk or trailers
                },
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => break,
            }
        }
        // The clock runs only while this stream waits for the origin, not while the reader
        // of the stream is busy elsewhere.
        if !this.waiting {
            this.waiting = true;
            this.timer.as_mut().reset(Instant::now() + this.idle);
        }
        match this.timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.done = true;
                Poll::Ready(Some(Err(format!(
                    "the origin sent no response body data for {:?}",
                    this.idle
                )
                .into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgezero_core::EdgeError;

    #[test]
    fn a_failed_request_body_keeps_its_status_and_connect_errors_are_connect() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async {
            // Nothing listens on a port just released: a connect error.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let client = NativeHttp::new(Duration::from_secs(5));
            let req = http::Request::get(format!("http://127.0.0.1:{port}/"))
                .body(Body::Empty)
                .unwrap();
            match client.send(req).await {
                Err(FetchError::Connect { host, reason }) => {
                    assert_eq!(host, "127.0.0.1");
                    assert!(!reason.is_empty());
                }
                other => panic!("expected Connect, got {:?}", other.map(|r| r.status())),
            }
        });
        let limited = EdgeError::payload_too_large(8);
        let boxed: BoxError = Box::new(limited);
        let err = hyper_util_error_for_tests();
        match fetch_error("h", &err, Some(boxed)) {
            FetchError::RequestBody(e) => assert_eq!(e.status(), 413),
            other => panic!("{other:?}"),
        }
    }

    /// A real `legacy::Error` (a request without an absolute URI is refused by the client).
    fn hyper_util_error_for_tests() -> hyper_util::client::legacy::Error {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = NativeHttp::new(Duration::from_secs(1));
            let req = http::Request::get("/relative")
                .body(OutgoingBody {
                    source: Source::Full(None),
                    progress: Progress::new(),
                })
                .unwrap();
            client.client.request(req).await.unwrap_err()
        })
    }
}
