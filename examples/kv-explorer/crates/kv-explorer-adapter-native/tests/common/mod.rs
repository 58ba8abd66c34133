//! The kv-explorer served natively on a free loopback port, over a temporary KV file.

#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use edgezero_adapter_native::{Background, ServerConfig};
use edgezero_core::App as _;
use edgezero_test_support::wire;
pub use edgezero_test_support::wire::Answer as Resp;
use kv_explorer_core::{App, BASE_PATH, CREDENTIALS_KEY};

pub const CREDENTIALS: &str = "alice:s3cret";

/// A running native server; stopped on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub kv_path: PathBuf,
    _server: Background,
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
        let server = Background::start(App::router().build(), App::stores(), config).unwrap();
        Server {
            addr: server.addr(),
            kv_path: kv_path.to_path_buf(),
            _server: server,
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
        wire::request(
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

pub fn seed(kv_path: &Path, key: &str, value: &[u8]) {
    let conn = edgezero_spin_sqlite::open(kv_path).unwrap();
    edgezero_spin_sqlite::set(&conn, "default", key, value).unwrap();
}

/// `Authorization` for `user_pass`.
pub fn basic(user_pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(user_pass))
}

/// The `error.code` of a JSON error answer.
pub fn code(resp: &Resp) -> String {
    resp.json()["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_string()
}
