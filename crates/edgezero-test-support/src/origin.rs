//! A loopback HTTP/1.1 origin for outbound-HTTP and proxy tests (cargo feature `origin`).
//!
//! [`Origin::start`] binds `127.0.0.1:0` and serves on its own thread with its own runtime,
//! so any test (a native server, an embedded Spin host, a plain client) can point at
//! [`Origin::base_url`]. It stops when dropped.
//!
//! | route | answer |
//! |---|---|
//! | `ANY /echo[/...]` | JSON: `method`, `path` (raw), `query` (raw or `null`), `headers` (`[[name, value], ...]`, repeated ones kept, in order), `body_len`, `body_checksum` ([`Checksum::hex`]), `body` (the body as text when it is at most [`ECHO_BODY_MAX`] bytes, else `null`). The body is read as it streams and never held whole. |
//! | `GET /cookies` | 200 with three `Set-Cookie` headers (`a=1; Path=/`, `b=2; HttpOnly`, `c=3; Secure`), and `Connection: x-origin-hop` naming an `x-origin-hop` header a proxy must drop |
//! | `GET /stream?bytes=N&chunk=K&delay_ms=D&fail_after=F` | N bytes of [`pattern`](crate::pattern::pattern) in chunks of K (default 16384), D ms apart (default 0), without `Content-Length`; with `fail_after`, the body fails 100 ms after F bytes are sent (the connection is cut without the last chunk) |
//! | `GET /big-header?bytes=N` | 200 with an `x-big` header of N bytes (default 1024, at most [`BIG_HEADER_MAX`]) |
//! | `ANY /hang` | never answers; holds the connection until the client gives up |
//! | `GET /health` | `{"status": "ok", "requests": <requests seen, this one included>}` |
//! | `ANY /status/{code}` | that status (200–599), body `{"status": code}` (none for 204 and 304); a 3xx also has `Location: /status/200` |
//!
//! Every answer carries `x-origin: edgezero-testkit`. [`Origin::requests`] counts the requests
//! seen, so a test can assert that a refused request never reached the origin, and
//! [`Origin::open_streams`] the `/stream` bodies still being sent, so that one can assert that
//! a proxy stopped pulling a body its client left.
//!
//! ```
//! use edgezero_test_support::origin::Origin;
//!
//! let origin = Origin::start();
//! assert!(origin.url("/health").starts_with("http://127.0.0.1:"));
//! assert_eq!(origin.requests(), 0);
//! ```

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::sync::oneshot;

use crate::pattern::{pattern, Checksum};

/// `/echo` returns the body as text up to this many bytes.
pub const ECHO_BODY_MAX: usize = 64 * 1024;

/// The largest header `/big-header` makes.
pub const BIG_HEADER_MAX: u64 = 1024 * 1024;

type OriginBody = UnsyncBoxBody<Bytes, CutShort>;

/// The error of a body the origin cuts short on purpose (`/stream?fail_after=`): hyper then
/// closes the connection without ending the body.
#[derive(Debug)]
struct CutShort;

impl std::fmt::Display for CutShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the test origin cut the body short")
    }
}

impl std::error::Error for CutShort {}

/// A running loopback origin; stops when dropped.
pub struct Origin {
    addr: SocketAddr,
    counts: Arc<Counts>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Origin {
    /// Starts an origin on `127.0.0.1` and a free port.
    ///
    /// # Panics
    /// When no loopback port can be bound or the runtime cannot start (a broken test host).
    pub fn start() -> Origin {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("set the listener non-blocking");
        let addr = listener.local_addr().expect("the bound address");
        let counts = Arc::new(Counts::default());
        let (stop, stopped) = oneshot::channel();
        let shared = Arc::clone(&counts);
        let thread = std::thread::Builder::new()
            .name("edgezero-test-origin".into())
            .spawn(move || serve(listener, shared, stopped))
            .expect("spawn the origin thread");
        Origin {
            addr,
            counts,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The absolute URL of `path_and_query` (which starts with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url())
    }

    /// How many requests the origin has seen (counted when their headers arrive).
    pub fn requests(&self) -> usize {
        self.counts.requests.load(Ordering::SeqCst)
    }

    /// How many `/stream` bodies are being sent now: one stays open until the client reads
    /// it to the end or goes away (hyper then drops it).
    pub fn open_streams(&self) -> usize {
        self.counts.open_streams.load(Ordering::SeqCst)
    }
}

/// What the origin counts, shared with its thread.
#[derive(Default)]
struct Counts {
    requests: AtomicUsize,
    open_streams: AtomicUsize,
}

/// Counts one `/stream` body as open while it lives.
struct OpenStream(Arc<Counts>);

impl OpenStream {
    fn new(counts: Arc<Counts>) -> Self {
        counts.open_streams.fetch_add(1, Ordering::SeqCst);
        OpenStream(counts)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.open_streams.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A loopback URL where nothing listens (a port bound and released), for connect errors.
pub fn closed_url() -> String {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    drop(listener);
    format!("http://{addr}/")
}

fn serve(listener: StdListener, counts: Arc<Counts>, stopped: oneshot::Receiver<()>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        let accept = async {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let counts = Arc::clone(&counts);
                tokio::task::spawn_local(async move {
                    let service = service_fn(move |req| {
                        let counts = Arc::clone(&counts);
                        async move { Ok::<_, Infallible>(answer(req, counts).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        };
        tokio::select! {
            _ = accept => {}
            _ = stopped => {}
        }
    });
    // Dropping the runtime ends every connection still open (such as those on /hang).
}

async fn answer(req: Request<Incoming>, counts: Arc<Counts>) -> Response<OriginBody> {
    let seen = counts.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let path = req.uri().path().to_string();
    let mut resp = if path == "/echo" || path.starts_with("/echo/") {
        echo(req).await
    } else if path == "/health" {
        json_response(StatusCode::OK, &json!({ "status": "ok", "requests": seen }))
    } else if path == "/cookies" {
        cookies()
    } else if path == "/stream" {
        stream(req.uri().query().unwrap_or(""), counts)
    } else if path == "/big-header" {
        big_header(req.uri().query().unwrap_or(""))
    } else if path == "/hang" {
        std::future::pending::<Response<OriginBody>>().await
    } else if let Some(code) = path.strip_prefix("/status/") {
        status(code)
    } else {
        json_response(
            StatusCode::NOT_FOUND,
            &json!({ "error": format!("the test origin has no route {path}") }),
        )
    };
    resp.headers_mut()
        .insert("x-origin", HeaderValue::from_static("edgezero-testkit"));
    resp
}

fn full(bytes: impl Into<Bytes>) -> OriginBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<OriginBody> {
    let mut resp = Response::new(full(value.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn echo(req: Request<Incoming>) -> Response<OriginBody> {
    let (parts, mut body) = req.into_parts();
    let mut sum = Checksum::new();
    let mut head = Vec::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    sum.update(data);
                    let room = (ECHO_BODY_MAX + 1).saturating_sub(head.len());
                    head.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            Err(e) => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({ "error": format!("reading the body failed: {e}") }),
                )
            }
        }
    }
    let headers: Vec<[String; 2]> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            [
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ]
        })
        .collect();
    let text = (head.len() <= ECHO_BODY_MAX).then(|| String::from_utf8_lossy(&head).into_owned());
    json_response(
        StatusCode::OK,
        &json!({
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "query": parts.uri.query(),
            "headers": headers,
            "body_len": sum.len(),
            "body_checksum": sum.hex(),
            "body": text,
        }),
    )
}

fn cookies() -> Response<OriginBody> {
    let mut resp = Response::new(full("three cookies"));
    let h = resp.headers_mut();
    for cookie in ["a=1; Path=/", "b=2; HttpOnly", "c=3; Secure"] {
        h.append(header::SET_COOKIE, HeaderValue::from_static(cookie));
    }
    h.insert(header::CONNECTION, HeaderValue::from_static("x-origin-hop"));
    h.insert("x-origin-hop", HeaderValue::from_static("1"));
    resp
}

fn query_number(query: &str, name: &str, default: u64) -> Result<u64, String> {
    match query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
    {
        None => Ok(default),
        Some((_, v)) => v
            .parse()
            .map_err(|_| format!("`{name}` must be a number, got `{v}`")),
    }
}

fn stream(query: &str, counts: Arc<Counts>) -> Response<OriginBody> {
    let parsed = (|| {
        Ok::<_, String>((
            query_number(query, "bytes", 1024)?,
            query_number(query, "chunk", 16 * 1024)?.max(1),
            query_number(query, "delay_ms", 0)?,
            query_number(query, "fail_after", u64::MAX)?,
        ))
    })();
    let (total, chunk, delay_ms, fail_after) = match parsed {
        Ok(v) => v,
        Err(e) => return json_response(StatusCode::BAD_REQUEST, &json!({ "error": e })),
    };
    let delay = Duration::from_millis(delay_ms);
    let chunks = futures_util::stream::unfold(0u64, move |sent| async move {
        if sent >= total {
            return None;
        }
        if sent >= fail_after {
            // A pause first, so that what was sent reaches the client before the cut.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return Some((Err(CutShort), u64::MAX));
        }
        if sent > 0 && !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let len = chunk.min(total - sent).min(fail_after - sent);
        Some((Ok(Frame::data(pattern(sent, len as usize))), sent + len))
    });
    let open = OpenStream::new(counts);
    let chunks = chunks.map(move |frame| {
        let _counted = &open;
        frame
    });
    let mut resp = Response::new(StreamBody::new(chunks.boxed()).boxed_unsync());
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    resp
}

fn big_header(query: &str) -> Response<OriginBody> {
    let len = match query_number(query, "bytes", 1024) {
        Ok(n) if n <= BIG_HEADER_MAX => n as usize,
        Ok(n) => {
            let e = format!("`bytes` is at most {BIG_HEADER_MAX}, got {n}");
            return json_response(StatusCode::BAD_REQUEST, &json!({ "error": e }));
        }
        Err(e) => return json_response(StatusCode::BAD_REQUEST, &json!({ "error": e })),
    };
    let mut resp = Response::new(full("a big header"));
    let value = HeaderValue::from_str(&"b".repeat(len)).expect("letters are a valid header value");
    resp.headers_mut().insert("x-big", value);
    resp
}

fn status(code: &str) -> Response<OriginBody> {
    let Some(status) = code
        .parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok())
    else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": format!("/status/{code}: use a status from 200 to 599") }),
        );
    };
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        let mut resp = Response::new(full(Bytes::new()));
        *resp.status_mut() = status;
        return resp;
    }
    let mut resp = json_response(status, &json!({ "status": status.as_u16() }));
    if status.is_redirection() {
        resp.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/status/200"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn raw(origin: &Origin, request: &str) -> String {
        let mut s = std::net::TcpStream::connect(origin.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn answers_health_status_and_counts_requests() {
        let origin = Origin::start();
        let health = raw(
            &origin,
            "GET /health HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n",
        );
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        assert!(health.contains(r#""requests":1"#), "{health}");
        let teapot = raw(
            &origin,
            "GET /status/418 HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n",
        );
        assert!(teapot.starts_with("HTTP/1.1 418"), "{teapot}");
        assert!(teapot.contains("x-origin: edgezero-testkit"), "{teapot}");
        let bad = raw(
            &origin,
            "GET /status/99 HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n",
        );
        assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
        assert_eq!(origin.requests(), 3);
    }

    #[test]
    fn echo_reports_the_request_and_its_body_checksum() {
        let origin = Origin::start();
        let out = raw(
            &origin,
            "POST /echo/a%20b?x=1 HTTP/1.1\r\nHost: o\r\nX-Multi: 1\r\nX-Multi: 2\r\n\
             Content-Length: 5\r\nConnection: close\r\n\r\nhello",
        );
        let body = out.split_once("\r\n\r\n").unwrap().1;
        let echo: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(echo["method"], "POST");
        assert_eq!(echo["path"], "/echo/a%20b");
        assert_eq!(echo["query"], "x=1");
        assert_eq!(echo["body"], "hello");
        assert_eq!(echo["body_len"], 5);
        assert_eq!(echo["body_checksum"], Checksum::of(b"hello").hex());
        let multi: Vec<&serde_json::Value> = echo["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h[0] == "x-multi")
            .map(|h| &h[1])
            .collect();
        assert_eq!(multi, ["1", "2"]);
    }

    #[test]
    fn hang_holds_the_connection_until_the_origin_stops() {
        let origin = Origin::start();
        let mut s = std::net::TcpStream::connect(origin.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        s.write_all(b"GET /hang HTTP/1.1\r\nHost: o\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 64];
        let err = s.read(&mut buf).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{err}"
        );
        drop(origin);
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(s.read(&mut buf).unwrap_or(0), 0, "stopping closes it");
    }

    #[test]
    fn stream_can_be_cut_short_and_headers_made_big() {
        let origin = Origin::start();
        let cut = crate::wire::download(
            crate::wire::connect(origin.addr()),
            "/stream?bytes=100000&chunk=10000&fail_after=25000",
        );
        assert_eq!(cut.status, 200);
        assert!(!cut.complete, "a body cut short must not end cleanly");
        assert_eq!(cut.sum, Checksum::of(&pattern(0, 25_000)));
        let whole = crate::wire::download(
            crate::wire::connect(origin.addr()),
            "/stream?bytes=100000&chunk=10000",
        );
        assert!(whole.complete);
        assert_eq!(whole.sum, Checksum::of(&pattern(0, 100_000)));
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while origin.open_streams() != 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            origin.open_streams(),
            0,
            "bodies sent or cut are no longer open"
        );
        let big = crate::wire::download(
            crate::wire::connect(origin.addr()),
            "/big-header?bytes=5000",
        );
        assert_eq!(big.first("x-big").map(str::len), Some(5000));
        let too_big = crate::wire::download(
            crate::wire::connect(origin.addr()),
            "/big-header?bytes=99999999999",
        );
        assert_eq!(too_big.status, 400);
    }
}
