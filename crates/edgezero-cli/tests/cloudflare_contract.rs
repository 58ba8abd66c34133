//! The testkit contract suites inside a real Worker under workerd: the test Worker
//! (crates/edgezero-adapter-cloudflare/tests/worker-probe) is built and served with the real
//! `edgezero serve --adapter cloudflare`, its config seeded and its secret set as a user
//! would, and each route runs one suite through edgezero-adapter-cloudflare.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use common::{assert_passed, is_zombie, repo_root, KillOnDrop};
use edgezero_testkit::contract::{CONFIG_FIXTURE, SECRET_FIXTURE};

fn get(port: u16, path: &str) -> (u16, String) {
    common::get(port, path, Duration::from_secs(120))
}

#[test]
fn the_contract_suites_pass_inside_a_worker_under_workerd() {
    let root = repo_root();
    let probe = root.join("crates/edgezero-adapter-cloudflare/tests/worker-probe");
    let state = tempfile::tempdir().unwrap();
    let seed = state.path().join("seed.json");
    let entries: Vec<serde_json::Value> = CONFIG_FIXTURE
        .iter()
        .map(|(k, v)| {
            serde_json::json!({
                "kind": "config", "id": "app_config", "key": k,
                "value": base64::engine::general_purpose::STANDARD.encode(v),
            })
        })
        .collect();
    std::fs::write(&seed, serde_json::to_vec(&entries).unwrap()).unwrap();
    let origin = edgezero_test_support::origin::Origin::start();
    let closed = edgezero_test_support::origin::closed_url();

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (name, value) = SECRET_FIXTURE;
    let log = state.path().join("serve.log");
    let child = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["serve", "--adapter", "cloudflare", "--manifest"])
        .arg(probe.join("edgezero.toml"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--state-dir"])
        .arg(state.path())
        .args([
            "--variable",
            &format!("{}={value}", name.to_ascii_uppercase()),
        ])
        .env("EDGEZERO_CLOUDFLARE_SEED", &seed)
        .env(
            "EDGEZERO_CLOUDFLARE_TARGET_DIR",
            root.join("target/wasm-cloudflare"),
        )
        .env("EDGEZERO_MINIFLARE_DIR", root.join("target/npm/miniflare"))
        .env("EDGEZERO__HTTP__TIMEOUT_MS", "2000")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(900);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!(
                "serve exited with {status}:\n{}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    assert_passed("kv_suite on Workers KV", get(port, "/kv/plain"));
    assert_passed("kv_suite on the atomic store", get(port, "/kv/atomic"));
    assert_passed(
        "kv_atomic_suite on the atomic store",
        get(port, "/atomic/atomic"),
    );
    assert_passed("config_suite on a KV namespace", get(port, "/config"));
    assert_passed(
        "secrets_suite on the Worker's secrets",
        get(port, "/secrets"),
    );
    let suite = format!("/client-suite?origin={}&closed={closed}", origin.base_url());
    assert_passed(
        "http_client_suite through the Workers fetch",
        get(port, &suite),
    );
    assert!(
        origin.requests() > 10,
        "the client suite ran against the origin"
    );

    // Workers KV has no atomic increment: 501, naming the operation, nothing written.
    let (status, body) = get(port, "/increment/plain");
    assert_eq!(status, 501, "{body}");
    assert!(
        body.contains("`increment`") && body.contains("class_name = \\\"EdgeZeroAtomicKv\\\""),
        "{body}"
    );
    let (status, body) = get(port, "/increment/atomic");
    assert_eq!((status, body.as_str()), (200, r#"{"n":1}"#));

    // `edgezero serve` killed outright: the local runtime it started does not outlive it.
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
    let deadline = Instant::now() + Duration::from_secs(10);
    while runtime
        .iter()
        .any(|p| Path::new(&format!("/proc/{p}")).exists() && !is_zombie(*p))
    {
        assert!(
            Instant::now() < deadline,
            "the local runtime {runtime:?} outlived `edgezero serve`"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
