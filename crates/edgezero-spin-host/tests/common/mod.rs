//! Shared pieces of the end-to-end tests: building components, writing an app into a temp
//! dir, running the host on a free loopback port, and a small HTTP/1.1 client.

#![allow(dead_code)] // each test binary uses a different subset

pub mod proxy;
pub mod redis_server;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use edgezero_spin_host::{Host, HostConfig, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Builds a component crate with `scripts/wasm-build.sh` (a no-op when fresh) and returns
/// the artifact. Panics with the command to run when the wasm toolchain is missing.
pub fn component(crate_dir: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    // One build at a time: cargo would serialise on the target dir lock anyway.
    let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(path) = built.get(crate_dir) {
        return path.clone();
    }
    let root = repo_root();
    let output = Command::new(root.join("scripts/wasm-build.sh"))
        .arg(root.join(crate_dir))
        .current_dir(&root)
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/wasm-build.sh: {e}"));
    if !output.status.success() {
        panic!(
            "building the component {crate_dir} failed; install the wasm toolchain with \
             `scripts/wasm-toolchain.sh`, then check `scripts/wasm-build.sh {crate_dir}`:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let path = PathBuf::from(stdout.lines().last().expect("artifact path").trim());
    assert!(
        path.is_file(),
        "scripts/wasm-build.sh printed {path:?}, which is not a file"
    );
    built.insert(crate_dir.to_string(), path.clone());
    path
}

pub const COUNTER: &str = "examples/counter/crates/counter-adapter-spin";
pub const URL_SHORTENER: &str = "examples/url-shortener/crates/url-shortener-adapter-spin";
pub const KV_API: &str = "examples/kv-api/crates/kv-api-adapter-spin";
pub const KV_EXPLORER: &str = "examples/kv-explorer/crates/kv-explorer-adapter-spin";
pub const PROXY: &str = "examples/proxy/crates/proxy-adapter-spin";
pub const PROBE: &str = "crates/edgezero-spin-host/tests/components/host-probe";

/// A one-component app of the host probe at `/...`, with a variable `message` ("hello")
/// for cheap requests (`/raw/var/message`); `extra` is added to `[component.probe]`.
pub fn probe_toml(extra: &str) -> String {
    let head = r#"spin_manifest_version = 2

[application]
name = "host-probe"

[variables]
greeting = { default = "hello" }

[[trigger.http]]
route = "/..."
component = "probe"

[component.probe]
source = "{source}"
"#;
    format!("{head}{extra}\n\n[component.probe.variables]\nmessage = \"{{{{ greeting }}}}\"\n")
}

/// An app laid out in a temp dir: spin.toml (sources point at the built artifacts) and an
/// optional runtime-config.toml. Its `.spin/` state stays in the temp dir.
pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub spin_toml: PathBuf,
    pub runtime_config: Option<PathBuf>,
}

impl TestApp {
    /// Writes `spin_toml`; `{source}` in it is replaced by the artifact of `crate_dir`.
    pub fn new(spin_toml: &str, crate_dir: &str) -> TestApp {
        let source = component(crate_dir);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("spin.toml");
        let text = spin_toml.replace("{source}", &source.display().to_string());
        std::fs::write(&path, text).expect("write spin.toml");
        TestApp {
            dir,
            spin_toml: path,
            runtime_config: None,
        }
    }

    /// Adds a runtime-config.toml next to spin.toml.
    pub fn with_runtime_config(mut self, text: &str) -> TestApp {
        let path = self.dir.path().join("runtime-config.toml");
        std::fs::write(&path, text).expect("write runtime-config.toml");
        self.runtime_config = Some(path);
        self
    }

    pub fn config(&self) -> HostConfig {
        let mut config =
            HostConfig::new(&self.spin_toml).listen("127.0.0.1:0".parse().expect("addr"));
        if let Some(rc) = &self.runtime_config {
            config = config.runtime_config(rc);
        }
        config
    }

    /// Loads the app and serves it on a free loopback port.
    pub async fn start(&self) -> Running {
        self.start_with(self.config()).await
    }

    /// Like [`TestApp::start`], with a changed configuration.
    pub async fn start_with(&self, config: HostConfig) -> Running {
        let host = Host::load(&config)
            .await
            .unwrap_or_else(|e| panic!("host failed to start: {e:#}"));
        let server = host.bind(config.listen).await.expect("bind");
        Running {
            addr: server.local_addr(),
            server,
            host,
        }
    }

    /// The error `Host::load` fails with.
    pub async fn start_error(&self) -> String {
        match Host::load(&self.config()).await {
            Ok(_) => panic!("the host started, but an error was expected"),
            Err(e) => format!("{e:#}"),
        }
    }

    /// Spin's default store file of this app.
    pub fn default_db(&self) -> PathBuf {
        self.dir.path().join(".spin/sqlite_key_value.db")
    }
}

pub struct Running {
    pub addr: SocketAddr,
    pub server: Server,
    host: Host,
}

impl Running {
    pub async fn get(&self, path: &str) -> Resp {
        request(self.addr, "GET", path, &[], b"").await
    }

    pub async fn send(&self, method: &str, path: &str, body: &[u8]) -> Resp {
        request(self.addr, method, path, &[], body).await
    }

    pub async fn stop(self) {
        self.server.shutdown().await;
    }

    /// Stops, then waits until the idle instances ended and the stores are closed, as
    /// `edgezero-spin-host` does before it exits (a SQLite file is then back in the rollback
    /// journal).
    pub async fn stop_and_close(self) {
        self.server.shutdown().await;
        let limit = self.host.idle_instance_timeout() + std::time::Duration::from_secs(2);
        assert!(
            self.host.wait_for_instances(limit).await,
            "instances still running"
        );
        drop(self.host);
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Asserts that a contract suite run inside a component (`[{"name", "ok", "error"}]`)
/// passed every case.
pub fn assert_suite_passed(resp: &Resp) {
    assert_eq!(resp.status, 200, "{}", resp.text());
    let cases = resp.json();
    let cases = cases.as_array().expect("a list of cases");
    assert!(!cases.is_empty());
    let failed: Vec<_> = cases.iter().filter(|c| c["ok"] != true).collect();
    assert!(failed.is_empty(), "contract cases failed: {failed:#?}");
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut stream = TcpStream::connect(addr).await.expect("connect to the host");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head_only: bool) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if head_only {
        Vec::new()
    } else if chunked {
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
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
}

/// Reads `(store, key) -> value` rows of Spin's table.
pub fn rows(db: &Path, store: &str) -> Vec<(String, Vec<u8>)> {
    let conn = rusqlite::Connection::open(db).expect("open the SQLite file");
    let mut stmt = conn
        .prepare("SELECT key, value FROM spin_key_value WHERE store = ?1 ORDER BY key")
        .expect("Spin's table exists");
    stmt.query_map([store], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}
