//! The native server over real loopback HTTP.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use edgezero_adapter_native::{bind, ServerConfig};
use edgezero_core::extract::Kv;
use edgezero_core::http::{header, HeaderValue};
use edgezero_core::{Bytes, EdgeError, Response, Router};

mod common;

async fn incr(Kv(kv): Kv) -> Result<String, EdgeError> {
    let n = kv.get_json::<u64>("n").await?.unwrap_or(0) + 1;
    kv.put_json("n", &n).await?;
    Ok(n.to_string())
}

async fn cookies() -> Response {
    let mut resp = http::Response::new(edgezero_core::Body::from("c"));
    resp.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_static("a=1"));
    resp.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
    resp
}

async fn panics() -> &'static str {
    panic!("handler bug with secret detail")
}

/// A value whose `Clone` panics: a handler closure holding it panics when the router clones
/// the handler to start it, before any of the handler's own code runs.
struct PanicsOnClone;

impl Clone for PanicsOnClone {
    fn clone(&self) -> Self {
        panic!("clone bug with secret detail")
    }
}

fn router() -> Router {
    let bomb = PanicsOnClone;
    Router::new()
        .get("/incr", incr)
        .post("/echo", |b: Bytes| async move { b })
        .get("/cookies", cookies)
        .get("/panic", panics)
        .get("/panic-on-clone", move || {
            let _ = &bomb;
            async { "unreachable" }
        })
}

struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    fn start(kv: &Path) -> Running {
        Running::start_with(kv, Duration::from_secs(10))
    }

    fn start_with(kv: &Path, header_read_timeout: Duration) -> Running {
        let config = ServerConfig {
            header_read_timeout,
            ..common::loopback(kv, 2)
        };
        let (server, handle) = bind(router(), &common::DATA_ONLY, config).unwrap();
        let addr = server.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            server.serve(handle, async {
                let _ = rx.await;
            })
        });
        Running {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap().unwrap();
    }

    fn raw(&self, request: &str) -> String {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    fn get(&self, path: &str) -> String {
        self.raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ))
    }
}

fn body(resp: &str) -> &str {
    resp.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

#[test]
fn serves_routes_errors_and_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let kv = dir.path().join("kv.db");
    let server = Running::start(&kv);
    assert_eq!(body(&server.get("/incr")), "1");
    assert_eq!(body(&server.get("/incr")), "2");
    let nf = server.get("/missing");
    assert!(nf.starts_with("HTTP/1.1 404"), "{nf}");
    assert!(body(&nf).contains("\"code\":\"not_found\""), "{nf}");
    let na = server.raw("DELETE /incr HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(
        na.starts_with("HTTP/1.1 405") && na.to_ascii_lowercase().contains("allow: get, head"),
        "{na}"
    );
    let head = server.raw("HEAD /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(
        head.starts_with("HTTP/1.1 200") && body(&head).is_empty(),
        "{head}"
    );
    server.stop();

    let again = Running::start(&kv);
    assert_eq!(
        body(&again.get("/incr")),
        "3",
        "data must survive a restart"
    );
    again.stop();
}

#[test]
fn body_limit_is_413_declared_or_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("kv.db"));
    let ok = server.raw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    );
    assert_eq!(body(&ok), "hello");
    let big = "x".repeat(2000);
    let declared = server.raw(&format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n{big}"
    ));
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    let chunk = "y".repeat(600);
    let streamed = server.raw(&format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
    ));
    assert!(streamed.starts_with("HTTP/1.1 413"), "{streamed}");
    server.stop();
}

#[test]
fn repeated_headers_survive_and_panics_are_500() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("kv.db"));
    let resp = server.get("/cookies").to_ascii_lowercase();
    assert!(
        resp.contains("set-cookie: a=1") && resp.contains("set-cookie: b=2"),
        "{resp}"
    );
    for path in ["/panic", "/panic-on-clone"] {
        let p = server.get(path);
        assert!(p.starts_with("HTTP/1.1 500"), "{path}: {p}");
        assert!(!p.contains("secret detail"), "{path}: {p}");
    }
    assert!(
        body(&server.get("/incr")) == "1",
        "the server keeps serving after a panic"
    );
    server.stop();
}

#[test]
fn stalled_headers_are_disconnected_while_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_millis(300);
    let server = Running::start_with(&dir.path().join("kv.db"), timeout);
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    slow.write_all(b"GET /incr HT").unwrap();
    let started = Instant::now();
    assert_eq!(
        body(&server.get("/incr")),
        "1",
        "others are served meanwhile"
    );
    let mut rest = Vec::new();
    let closed = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        closed.is_ok(),
        "the stalled connection must be closed by the server, got {closed:?} after {waited:?}"
    );
    assert!(
        waited >= timeout - Duration::from_millis(50) && waited < Duration::from_secs(4),
        "closed after {waited:?}"
    );
    server.stop();
}
