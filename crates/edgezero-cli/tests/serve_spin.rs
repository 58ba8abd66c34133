//! `edgezero serve --adapter spin --embedded` builds the real component and serves it in the
//! embedded Spin host, with no Spin CLI; checked over HTTP, data in Spin's SQLite file.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{KillOnDrop, Project};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn request(port: u16, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (
        head[9..12].parse().unwrap(),
        head.to_ascii_lowercase(),
        common::dechunk(head, body),
    )
}

/// A temporary project whose spin.toml (in `app/`) runs the example's built component, so
/// that `.spin/` state stays out of the repository.
fn example_project(example: &str, stores: &str) -> Project {
    let root = repo_root();
    let crate_dir = root.join(format!("examples/{example}/crates/{example}-adapter-spin"));
    let p = Project::new();
    let spin = std::fs::read_to_string(crate_dir.join("spin.toml"))
        .unwrap()
        .replace(
            "source = \"../../../../target/wasm/",
            &format!("source = \"{}/target/wasm/", root.display()),
        );
    p.write("app/spin.toml", &spin);
    if let Ok(rc) = std::fs::read_to_string(crate_dir.join("runtime-config.toml")) {
        p.write("app/runtime-config.toml", &rc);
    }
    p.write(
        "edgezero.toml",
        &format!(
            "[app]\nname = \"{example}\"\n{stores}\n[adapters.spin.adapter]\ncrate = \"{}\"\nmanifest = \"app/spin.toml\"\n",
            crate_dir.display()
        ),
    );
    p
}

/// A running `edgezero serve`, its stderr kept in a file.
struct Served {
    child: KillOnDrop,
    stderr: tempfile::NamedTempFile,
}

impl Served {
    fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).unwrap_or_default()
    }
}

fn serve(p: &Project) -> (Served, u16) {
    serve_in(p.dir.path(), &[])
}

fn serve_in(cwd: &Path, args: &[&std::ffi::OsStr]) -> (Served, u16) {
    serve_with_input(cwd, args, None)
}

/// Runs `edgezero serve --adapter spin --embedded --listen <free port> <args>` in `cwd`, with
/// no Spin CLI on PATH and `input` (if any) on its standard input, and waits until it
/// accepts connections.
fn serve_with_input(cwd: &Path, args: &[&std::ffi::OsStr], input: Option<&str>) -> (Served, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stderr = tempfile::NamedTempFile::new().unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_edgezero"))
            .args([
                "serve",
                "--adapter",
                "spin",
                "--embedded",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(args)
            .current_dir(cwd)
            .env("PATH", "/usr/bin:/bin")
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::null())
            .stderr(stderr.reopen().unwrap())
            .spawn()
            .unwrap(),
    );
    if let (Some(input), Some(mut stdin)) = (input, child.0.stdin.take()) {
        stdin.write_all(input.as_bytes()).unwrap();
    }
    let served = |child| Served { child, stderr };
    let deadline = Instant::now() + Duration::from_secs(900);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if child.0.try_wait().unwrap().is_some() {
            panic!("edgezero serve exited early:\n{}", served(child).stderr());
        }
        assert!(Instant::now() < deadline, "the embedded host did not start");
        std::thread::sleep(Duration::from_millis(250));
    }
    (served(child), port)
}

/// Stops the host as Ctrl-C does, right after its last request (its instances still
/// waiting for the next one): it exits cleanly, without a panic on the way.
fn stop(mut served: Served) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(served.child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = served.child.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the host did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = served.stderr();
    assert!(status.success(), "{status}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn url_shortener_in_the_embedded_host() {
    let p = example_project("url-shortener", "[stores.kv]\nids = [\"default\"]");
    let (child, port) = serve(&p);
    let (status, _, body) = request(
        port,
        "POST",
        "/create",
        r#"{"url":"https://example.com/spin"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let short = serde_json::from_str::<serde_json::Value>(&body).unwrap()["short"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, head, _) = request(port, "GET", &format!("/{short}"), "");
    assert_eq!(status, 308);
    assert!(
        head.contains("location: https://example.com/spin"),
        "{head}"
    );
    let (_, _, all) = request(port, "GET", "/all", "");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&all).unwrap()["links"][&short],
        "https://example.com/spin"
    );
    assert_eq!(request(port, "GET", "/unknown1", "").0, 404);
    assert_eq!(request(port, "POST", "/create", "{bad json").0, 400);
    stop(child);

    let rows = common::rows(&p.path("app/.spin/sqlite_key_value.db"), "default");
    assert_eq!(
        rows,
        vec![(
            format!("link:{short}"),
            "https://example.com/spin".to_string()
        )]
    );
}

#[test]
fn config_pushed_locally_is_read_by_the_component() {
    let stores = "[stores.kv]\nids = [\"data\"]\n[stores.config]\nids = [\"app_config\"]\nfile = \"config.toml\"\n[stores.secrets]\nids = [\"default\"]";
    let p = example_project("kv-api", stores);
    p.write(
        "config.toml",
        "greeting = \"hello from push\"\n[service]\ntimeout_ms = 2500\n",
    );
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--local"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let db = p.path("app/.spin/sqlite_key_value.db");
    assert!(common::rows(&db, "app_config")
        .contains(&("service.timeout_ms".to_string(), "2500".to_string())));

    let (child, port) = serve(&p);
    let (status, _, body) = request(port, "GET", "/config/service.timeout_ms", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["value"],
        "2500"
    );
    let (_, _, body) = request(port, "GET", "/config/greeting", "");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["value"],
        "hello from push"
    );
    stop(child);
}

/// One spin.toml, two components: the counter (the EdgeZero component, found as the one whose
/// `source` is the file of [adapters.spin.adapter].crate) at `/...`, and kv-api at `/kv/...`
/// with its own `[component.kv-api.build]`, reading the counter's `default` store through its
/// `data` id. `edgezero serve` builds both and serves both from one host.
#[test]
fn two_components_are_built_and_served_from_one_host() {
    let root = repo_root();
    let release = root.join("target/wasm/wasm32-wasip2/release");
    let p = Project::new();
    p.write(
        "edgezero.toml",
        &format!(
            "[app]\nname = \"counter\"\n[stores.kv]\nids = [\"default\"]\n[adapters.spin.adapter]\ncrate = \"{}\"\nmanifest = \"app/spin.toml\"\n",
            root.join("examples/counter/crates/counter-adapter-spin").display()
        ),
    );
    p.write("app/runtime-config.toml", "");
    p.write("app/kv/.keep", "");
    p.write(
        "app/spin.toml",
        &format!(
            r#"spin_manifest_version = 2

[application]
name = "counter-and-kv"

[[trigger.http]]
route = "/..."
component = "counter"

[[trigger.http]]
route = "/kv/..."
component = "kv-api"

[component.counter]
source = "{release}/counter_adapter_spin.wasm"
key_value_stores = ["default"]

[component.kv-api]
source = "{release}/kv_api_adapter_spin.wasm"
key_value_stores = ["default"]
environment = {{ EDGEZERO__STORES__KV__DATA__NAME = "default" }}

[component.kv-api.build]
command = ["pwd > built-here.txt", "{root}/scripts/wasm-build.sh {root}/examples/kv-api/crates/kv-api-adapter-spin"]
workdir = "kv"
"#,
            release = release.display(),
            root = root.display()
        ),
    );
    let (child, port) = serve(&p);
    assert_eq!(
        p.read("app/kv/built-here.txt").trim(),
        p.path("app/kv")
            .canonicalize()
            .unwrap()
            .display()
            .to_string(),
        "kv-api's build command ran in its workdir"
    );
    let (status, _, body) = request(port, "GET", "/counter", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["views"],
        1
    );
    // kv-api answers under its route, from the store the counter wrote.
    let (status, _, body) = request(port, "GET", "/kv/previous-request", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "/counter");
    let (status, _, body) = request(port, "GET", "/kv", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["keys"],
        serde_json::json!(["previous-request", "views"])
    );
    // Anything else is the counter's (`/...`): its router answers 404.
    let (status, _, body) = request(port, "GET", "/elsewhere", "");
    assert_eq!(status, 404, "{body}");
    let (_, _, body) = request(port, "GET", "/counter", "");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["views"],
        2
    );
    stop(child);
}

/// The seed's two-component app exactly as a user runs it, from another directory, without
/// the Spin CLI: `edgezero serve --adapter spin --manifest examples/kv-counter-app/edgezero.toml
/// --key-value kv-credentials=admin:secret`. Both components answer from one host and the
/// counter's writes show in the explorer's API.
#[test]
fn the_kv_counter_app_serves_both_components_with_preseeded_credentials() {
    let cwd = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let manifest = repo_root().join("examples/kv-counter-app/edgezero.toml");
    let (child, port) = serve_in(
        cwd.path(),
        &[
            "--manifest".as_ref(),
            manifest.as_os_str(),
            "--key-value".as_ref(),
            "kv-credentials=admin:secret".as_ref(),
            "--state-dir".as_ref(),
            state.path().as_os_str(),
        ],
    );
    for expected in 1..=2 {
        let (status, _, body) = request(port, "GET", "/counter", "");
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(&format!("\"views\":{expected}")), "{body}");
    }
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // admin:secret
    s.write_all(b"GET /internal/kv-explorer/api/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(
        out.contains("\"views\"") && !out.contains("kv-credentials"),
        "{out}"
    );
    let (status, _, _) = request(port, "GET", "/internal/kv-explorer/api/keys", "");
    assert_eq!(status, 401, "no credentials, no access");
    assert!(
        state.path().join("sqlite_key_value.db").is_file(),
        "--state-dir holds the default store"
    );
    stop(child);
}

/// The documented way to pass the explorer's credentials without showing them in `ps`:
/// `--key-value kv-credentials=@FILE`, and another value from standard input (`KEY=-`). The
/// command line holds neither; both arrive in the `default` store, without the trailing
/// newline.
#[test]
fn key_values_from_a_file_and_stdin_reach_the_embedded_host() {
    let cwd = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("credentials.txt"), "admin:f1le-s3cret\n").unwrap();
    let manifest = repo_root().join("examples/kv-counter-app/edgezero.toml");
    let (child, port) = serve_with_input(
        cwd.path(),
        &[
            "--manifest".as_ref(),
            manifest.as_os_str(),
            "--key-value".as_ref(),
            "kv-credentials=@credentials.txt".as_ref(),
            "--key-value".as_ref(),
            "greeting=-".as_ref(),
            "--state-dir".as_ref(),
            state.path().as_os_str(),
        ],
        Some("hello from stdin\n"),
    );
    let get = |auth: &str| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET /internal/kv-explorer/api/key/greeting HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    // admin:f1le-s3cret
    let out = get("YWRtaW46ZjFsZS1zM2NyZXQ=");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"value\":\"hello from stdin\""), "{out}");
    // admin:f1le-s3cret followed by a newline: the file's newline was dropped.
    let out = get("YWRtaW46ZjFsZS1zM2NyZXQK");
    assert!(out.starts_with("HTTP/1.1 401"), "{out}");
    stop(child);
}
