//! The proxy example served natively in-process, its config in a SQLite file written in
//! Spin's format (what `edgezero config push --local` writes), and a plain HTTP/1.1 client
//! that reads bodies as they stream.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use edgezero_adapter_native::{Background, ServerConfig};
use edgezero_core::App;
use edgezero_test_support::wire;
pub use edgezero_test_support::wire::Answer;

pub struct Gateway {
    pub addr: SocketAddr,
    _server: Background,
    _dir: tempfile::TempDir,
}

/// Writes `origin.base_url` (when given) into the `app_config` label of a fresh KV file.
fn config_file(dir: &Path, base_url: Option<&str>) -> std::path::PathBuf {
    let path = dir.join("sqlite_key_value.db");
    let conn = edgezero_spin_sqlite::open(&path).unwrap();
    if let Some(url) = base_url {
        edgezero_spin_sqlite::set(&conn, "app_config", "origin.base_url", url.as_bytes()).unwrap();
    }
    path
}

impl Gateway {
    /// The gateway in front of `base_url`, with a 64 MiB body limit and `http_timeout`.
    pub fn start(base_url: Option<&str>, http_timeout: Duration) -> Gateway {
        Gateway::start_with(base_url, http_timeout, 64 << 20)
    }

    pub fn start_with(base_url: Option<&str>, http_timeout: Duration, max_body: usize) -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            kv_path: config_file(dir.path(), base_url),
            max_body_bytes: max_body,
            workers: 2,
            header_read_timeout: Duration::from_secs(10),
            http_timeout,
        };
        let router = proxy_core::App::router().build();
        let server = Background::start(router, proxy_core::App::stores(), config).unwrap();
        Gateway {
            addr: server.addr(),
            _server: server,
            _dir: dir,
        }
    }

    pub fn connect(&self) -> TcpStream {
        wire::connect(self.addr)
    }

    /// Sends `head` (request line and headers, without the blank line) with `body`, and
    /// reads the whole answer.
    pub fn send(&self, head: &str, body: &[u8]) -> Answer {
        wire::send(self.addr, head, body)
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send(&format!("GET {path} HTTP/1.1\r\nHost: edge.test"), b"")
    }
}
