//! The testkit contract suites inside a real Fastly app under Viceroy: the test app
//! (crates/edgezero-adapter-fastly/tests/fastly-probe) is built and served with the real
//! `edgezero serve --adapter fastly`, its config seeded and its secret set as a user would,
//! and each route runs one suite through edgezero-adapter-fastly.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{assert_passed, repo_root, KillOnDrop};
use edgezero_testkit::contract::{CONFIG_FIXTURE, SECRET_FIXTURE};

fn get(port: u16, path: &str) -> (u16, String) {
    common::get(port, path, Duration::from_secs(120))
}

#[test]
fn the_contract_suites_pass_inside_an_app_under_viceroy() {
    let root = repo_root();
    let probe = root.join("crates/edgezero-adapter-fastly/tests/fastly-probe");
    let state = tempfile::tempdir().unwrap();
    let seed = common::config_seed(state.path(), "app_config", CONFIG_FIXTURE);
    let origin = edgezero_test_support::origin::Origin::start();
    let closed = edgezero_test_support::origin::closed_url();

    let port = common::free_port();
    let (name, value) = SECRET_FIXTURE;
    let log = state.path().join("serve.log");
    let child = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["serve", "--adapter", "fastly", "--manifest"])
        .arg(probe.join("edgezero.toml"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--state-dir"])
        .arg(state.path())
        .args(["--variable", &format!("{name}={value}")])
        .env("EDGEZERO_FASTLY_SEED", &seed)
        .env(
            "EDGEZERO_FASTLY_TARGET_DIR",
            root.join("target/wasm-fastly"),
        )
        .env("EDGEZERO_VICEROY", common::viceroy())
        .env("EDGEZERO__HTTP__TIMEOUT_MS", "2000")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    common::wait_for_port(&mut child, port, &log, Duration::from_secs(900));

    assert_passed("kv_suite on a KV Store", get(port, "/kv"));
    assert_passed("kv_atomic_suite on a KV Store", get(port, "/atomic"));
    assert_passed("config_suite on a Config Store", get(port, "/config"));
    assert_passed("secrets_suite on a Secret Store", get(port, "/secrets"));
    let suite = format!("/client-suite?origin={}&closed={closed}", origin.base_url());
    assert_passed("http_client_suite through backends", get(port, &suite));
    assert!(
        origin.requests() > 10,
        "the client suite ran against the origin"
    );

    // `edgezero serve` killed outright: Viceroy does not outlive it.
    common::kill_and_check_the_runtime_ends(child);
}
