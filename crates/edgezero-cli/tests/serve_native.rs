//! `edgezero serve --adapter native` runs the real example server; checked over HTTP.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Served {
    child: common::KillOnDrop,
    port: u16,
}

impl Served {
    fn start(manifest: &Path, kv_path: &Path) -> Served {
        Served::start_with(manifest, kv_path, |_| {})
    }

    fn start_with(manifest: &Path, kv_path: &Path, f: impl FnOnce(&mut Command)) -> Served {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_edgezero"));
        cmd.args(["serve", "--adapter", "native", "--manifest"])
            .arg(manifest)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("EDGEZERO__ADAPTER__KV_PATH", kv_path)
            .env("EDGEZERO__LOGGING__LEVEL", "warn")
            .stdout(Stdio::null());
        f(&mut cmd);
        let child = cmd.spawn().unwrap();
        let served = Served {
            child: common::KillOnDrop(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(600);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        served
    }

    fn request(&self, method: &str, path: &str, body: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out[9..12].parse().unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        (
            status,
            head.to_ascii_lowercase(),
            common::dechunk(head, body),
        )
    }

    fn stop(mut self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.0.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.0.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "edgezero serve exited with {status} after Ctrl-C"
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server did not shut down after SIGINT"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn url_shortener_contract_over_http_and_restart() {
    let manifest = repo_root().join("examples/url-shortener/edgezero.toml");
    let dir = tempfile::tempdir().unwrap();
    let kv = dir.path().join("kv.db");
    let server = Served::start(&manifest, &kv);

    let (status, _, body) = server.request("POST", "/create", r#"{"url":"https://example.com/x"}"#);
    assert_eq!(status, 200, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    let short = created["short"].as_str().unwrap().to_string();
    assert_eq!(created["url"], "https://example.com/x");

    let (status, head, _) = server.request("GET", &format!("/{short}"), "");
    assert_eq!(status, 308);
    assert!(head.contains("location: https://example.com/x"), "{head}");

    let (status, _, body) = server.request("GET", "/all", "");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["links"][&short],
        "https://example.com/x"
    );

    assert_eq!(server.request("GET", "/unknown", "").0, 404);
    let (status, head, body) = server.request("POST", "/create", "{not json");
    assert_eq!(status, 400, "{body}");
    assert!(head.contains("content-type: application/json"));
    assert_eq!(server.request("PUT", "/create", "").0, 405);
    server.stop();

    let again = Served::start(&manifest, &kv);
    let (status, head, _) = again.request("GET", &format!("/{short}"), "");
    assert_eq!(status, 308, "links must survive a restart");
    assert!(head.contains("location: https://example.com/x"));
    again.stop();
}

/// kv-api natively: config pushed with `config push --adapter native`, the `#[secret]` read
/// from SPIN_VARIABLE_API_TOKEN; the secret's value is in no response and no log line.
#[test]
fn kv_api_typed_settings_natively_never_show_the_secret() {
    const SECRET: &str = "t0p-native-s3cret";
    let manifest = repo_root().join("examples/kv-api/edgezero.toml");
    let dir = tempfile::tempdir().unwrap();
    let kv = dir.path().join("kv.db");
    let push = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["config", "push", "--adapter", "native", "--manifest"])
        .arg(&manifest)
        .env("EDGEZERO__ADAPTER__KV_PATH", &kv)
        .output()
        .unwrap();
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    let log = dir.path().join("server.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let server = Served::start_with(&manifest, &kv, |c| {
        c.env("SPIN_VARIABLE_API_TOKEN", SECRET)
            .env("EDGEZERO__LOGGING__LEVEL", "debug")
            .stderr(log_file);
    });
    let (status, _, body) = server.request("GET", "/settings", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"greeting": "hello from config", "timeout_ms": 2500, "api_token_set": true})
    );
    assert!(!body.contains(SECRET));
    let (_, _, check) = server.request("GET", "/secret-check/api_token", "");
    assert!(
        check.contains("\"set\":true") && !check.contains(SECRET),
        "{check}"
    );
    server.stop();
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains(SECRET), "the secret reached the log:\n{log}");
}

#[test]
fn missing_manifest_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args([
            "serve",
            "--adapter",
            "native",
            "--manifest",
            "/nonexistent/edgezero.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/edgezero.toml does not exist"),
        "{err}"
    );
}

#[test]
fn bad_manifest_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edgezero.toml");
    std::fs::write(
        &path,
        "[app]\nname = \"x\"\n[stores.kv]\nids = [\"a\", \"b\"]\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["serve", "--manifest"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("edgezero.toml:4:7: `stores.kv.default`"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["serve", "--adapter", "lambda"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
