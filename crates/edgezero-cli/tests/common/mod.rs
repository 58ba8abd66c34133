//! Helpers for CLI tests: temporary projects and running the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SPIN_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "demo"

[variables]
api_token = { required = true, secret = true }

[[trigger.http]]
route = "/..."
component = "demo"

# the one component
[component.demo]
source = "demo.wasm"  # built artifact
key_value_stores = ["default"]
allowed_outbound_hosts = []

[component.demo.variables]
api_token = "{{ api_token }}"
"#;

pub const EDGEZERO_TOML: &str = r#"[app]
name = "demo"

[stores.kv]
ids = ["default", "cache"]
default = "default"

[stores.config]
ids = ["app_config"]
file = "config.toml"

[stores.secrets]
ids = ["default"]
names = ["api_token"]

[adapters.spin.adapter]
manifest = "spin/spin.toml"
"#;

pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        let p = Project {
            dir: tempfile::tempdir().unwrap(),
        };
        p.write("edgezero.toml", EDGEZERO_TOML);
        p.write("spin/spin.toml", SPIN_TOML);
        p.write("spin/runtime-config.toml", "[key_value_store.cache]\ntype = \"spin\"\npath = \".spin/sqlite_key_value.db\"\n\n[key_value_store.app_config]\ntype = \"spin\"\npath = \".spin/sqlite_key_value.db\"\n");
        p.write(
            "config.toml",
            "greeting = \"hello\"\n[service]\ntimeout_ms = 2500\n",
        );
        p
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    pub fn edgezero(&self, args: &[&str]) -> Output {
        self.edgezero_with(args, |_| {})
    }

    pub fn edgezero_with(&self, args: &[&str], f: impl FnOnce(&mut Command)) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_edgezero"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME");
        f(&mut cmd);
        cmd.output().unwrap()
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn rows(db: &Path, store: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT key, value FROM spin_key_value WHERE store = ?1 ORDER BY key")
        .unwrap();
    stmt.query_map([store], |r| {
        Ok((
            r.get::<_, String>(0)?,
            String::from_utf8(r.get::<_, Vec<u8>>(1)?).unwrap(),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Decodes a `Transfer-Encoding: chunked` body; other bodies are returned as they are.
pub fn dechunk(head: &str, body: &str) -> String {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_string();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    out
}

/// Kills a child process when dropped (so a failing test leaves no server behind).
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `GET path` on 127.0.0.1:`port` over one connection, reading for at most `read_timeout`:
/// the status and the (de-chunked) body.
pub fn get(port: u16, path: &str, read_timeout: std::time::Duration) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(read_timeout)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (status, dechunk(head, body))
}

/// Every case of a contract suite's answer (`[{"name", "ok", "error"}]`) passed, and there
/// were some.
pub fn assert_passed(what: &str, (status, body): (u16, String)) {
    assert_eq!(status, 200, "{what}: {body}");
    let cases: serde_json::Value = serde_json::from_str(&body).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(!cases.is_empty(), "{what}: no case ran");
    let failed: Vec<_> = cases.iter().filter(|c| c["ok"] != true).collect();
    assert!(failed.is_empty(), "{what}: {failed:#?}");
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `port` accepts connections; fails with `log` when the server exits first or
/// `timeout` passes.
pub fn wait_for_port(child: &mut KillOnDrop, port: u16, log: &Path, timeout: std::time::Duration) {
    let deadline = std::time::Instant::now() + timeout;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!(
                "serve exited with {status}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not start:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// A seed file of config rows for store `id` (what the conformance runner writes for
/// `serve --adapter cloudflare|fastly`), in `dir`.
pub fn config_seed(dir: &Path, id: &str, entries: &[(&str, &str)]) -> PathBuf {
    use base64::Engine;
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|(k, v)| {
            serde_json::json!({
                "kind": "config", "id": id, "key": k,
                "value": base64::engine::general_purpose::STANDARD.encode(v),
            })
        })
        .collect();
    let file = dir.join("seed.json");
    std::fs::write(&file, serde_json::to_vec(&rows).unwrap()).unwrap();
    file
}

/// Kills `edgezero serve` outright and checks that the local runtime it started (its
/// child processes) does not outlive it.
pub fn kill_and_check_the_runtime_ends(mut child: KillOnDrop) {
    let pid = child.0.id();
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap();
    let runtime: Vec<u32> = children
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(
        !runtime.is_empty(),
        "serve runs the local runtime as a child"
    );
    child.0.kill().unwrap();
    let _ = child.0.wait();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while runtime
        .iter()
        .any(|p| Path::new(&format!("/proc/{p}")).exists() && !is_zombie(*p))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the local runtime {runtime:?} outlived `edgezero serve`"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The Viceroy the tests run: `EDGEZERO_VICEROY` (scripts/fastly-env.sh sets it), else the
/// one that script installs into the repository's `.tools`.
pub fn viceroy() -> std::ffi::OsString {
    std::env::var_os("EDGEZERO_VICEROY")
        .unwrap_or_else(|| repo_root().join(".tools/viceroy/bin/viceroy").into())
}

/// Whether process `pid` has exited and waits to be reaped.
pub fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}
