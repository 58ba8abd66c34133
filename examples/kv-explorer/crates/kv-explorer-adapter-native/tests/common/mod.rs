//! The kv-explorer served natively on a free loopback port, over a temporary KV file, and a
//! small HTTP/1.1 client.

#![allow(dead_code)] // each test binary uses a different subset

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use edgezero_adapter_native::ServerConfig;
use edgezero_core::App as _;
use kv_explorer_core::{App, BASE_PATH, CREDENTIALS_KEY};

pub const CREDENTIALS: &str = "alice:s3cret";

/// A running native server; stopped on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub kv_path: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Serves the app over a fresh KV file holding `credentials`, when given.
    pub fn start(credentials: Option<&str>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let kv_path = dir.path().join("kv.db");
        if let Some(c) = credentials {
            seed(&kv_path, CREDENTIALS_KEY, c.as_bytes());
        }
        let mut server = Server::on(&kv_path);
        server._dir = Some(dir);
        server
    }

    /// Serves the app over the KV file at `kv_path`.
    pub fn on(kv_path: &Path) -> Server {
        let mut config = ServerConfig::from_env(&|_| None).unwrap();
        config.addr = "127.0.0.1:0".parse().unwrap();
        config.kv_path = kv_path.to_path_buf();
        config.workers = 1;
        let (server, handle) =
            edgezero_adapter_native::bind(App::router().build(), App::stores(), config).unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            server.serve(handle, async {
                let _ = stopped.await;
            })
        });
        Server {
            addr,
            kv_path: kv_path.to_path_buf(),
            stop: Some(stop),
            thread: Some(thread),
            _dir: None,
        }
    }

    /// `http://<addr><BASE_PATH><path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{BASE_PATH}{path}", self.addr)
    }

    /// Writes into the `default` store's rows of the KV file, bypassing the explorer.
    pub fn seed(&self, key: &str, value: &[u8]) {
        seed(&self.kv_path, key, value);
    }

    /// What the KV file holds under `key` in `default`.
    pub fn stored(&self, key: &str) -> Option<Vec<u8>> {
        let conn = edgezero_spin_sqlite::open(&self.kv_path).unwrap();
        edgezero_spin_sqlite::get(&conn, "default", key).unwrap()
    }

    /// One request to `BASE_PATH` + `path`.
    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request(
            self.addr,
            method,
            &format!("{BASE_PATH}{path}"),
            headers,
            body,
        )
    }

    /// An authorised request; writes also carry the page's header.
    pub fn authed(&self, method: &str, path: &str, body: &[u8]) -> Resp {
        let auth = basic(CREDENTIALS);
        let mut headers = vec![("authorization", auth.as_str())];
        if method != "GET" {
            headers.push(("x-kv-explorer", "1"));
        }
        self.call(method, path, &headers, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn seed(kv_path: &Path, key: &str, value: &[u8]) {
    let conn = edgezero_spin_sqlite::open(kv_path).unwrap();
    edgezero_spin_sqlite::set(&conn, "default", key, value).unwrap();
}

/// `Authorization` for `user_pass`.
pub fn basic(user_pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(user_pass))
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text()))
    }

    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// One HTTP/1.1 request on a fresh connection.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("host: {addr}\r\n"));
    }
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}
