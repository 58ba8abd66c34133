//! `edgezero serve --adapter fastly` on the counter example, as a user runs it: under
//! Viceroy, 16 clients × 100 views at once lose none (the KV Store's generation match, with
//! the serve's key locks over Viceroy's own check), and the count outlives a restart (the
//! stores kept in the state directory).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{repo_root, KillOnDrop};

const CLIENTS: usize = 16;
const VIEWS_PER_CLIENT: usize = 100;

fn serve(state: &std::path::Path, log: &std::path::Path) -> (KillOnDrop, u16) {
    let root = repo_root();
    let port = common::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["serve", "--adapter", "fastly", "--manifest"])
        .arg(root.join("examples/counter/edgezero.toml"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--state-dir"])
        .arg(state)
        .env(
            "EDGEZERO_FASTLY_TARGET_DIR",
            root.join("target/wasm-fastly"),
        )
        .env("EDGEZERO_VICEROY", common::viceroy())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    common::wait_for_port(&mut child, port, log, Duration::from_secs(900));
    (child, port)
}

fn views(port: u16) -> u64 {
    let (status, body) = common::get(port, "/counter", Duration::from_secs(60));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["views"].as_u64().unwrap()
}

fn stop(mut child: KillOnDrop) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let _ = child.0.wait();
}

#[test]
fn sixteen_clients_lose_no_view_and_the_count_outlives_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let log = state.path().join("serve.log");
    let (child, port) = serve(&state.path().join("state"), &log);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            std::thread::spawn(move || {
                (0..VIEWS_PER_CLIENT)
                    .map(|_| views(port))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen: Vec<u64> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    seen.sort_unstable();
    let total = (CLIENTS * VIEWS_PER_CLIENT) as u64;
    assert_eq!(
        seen,
        (1..=total).collect::<Vec<_>>(),
        "lost or repeated views"
    );
    stop(child);

    let (child, port) = serve(&state.path().join("state"), &log);
    assert_eq!(views(port), total + 1, "the count was kept between runs");
    stop(child);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("panicked"), "{text}");
}
