//! The testkit contract suites inside a real Worker under workerd: the test Worker
//! (crates/edgezero-adapter-cloudflare/tests/worker-probe) is built and served with the real
//! `edgezero serve --adapter cloudflare`, its config seeded and its secret set as a user
//! would, and each route runs one suite through edgezero-adapter-cloudflare.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{assert_passed, repo_root, KillOnDrop};
use edgezero_testkit::contract::{CONFIG_FIXTURE, SECRET_FIXTURE};

fn get(port: u16, path: &str) -> (u16, String) {
    common::get(port, path, Duration::from_secs(120))
}

#[test]
fn the_contract_suites_pass_inside_a_worker_under_workerd() {
    let root = repo_root();
    let probe = root.join("crates/edgezero-adapter-cloudflare/tests/worker-probe");
    let state = tempfile::tempdir().unwrap();
    let seed = common::config_seed(state.path(), "app_config", CONFIG_FIXTURE);
    let origin = edgezero_test_support::origin::Origin::start();
    let closed = edgezero_test_support::origin::closed_url();

    let port = common::free_port();
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
    common::wait_for_port(&mut child, port, &log, Duration::from_secs(900));

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
    common::kill_and_check_the_runtime_ends(child);
}
