//! `kill -9` of the host under write load loses no acknowledged write: the counter example
//! (an atomic increment and a swap per request, two group-committed writes of Spin's SQLite
//! file) is served by the `edgezero-spin-host` binary, which is killed for real while 16
//! clients count; afterwards the file holds at least every view a client was answered.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestApp, COUNTER};
use edgezero_test_support::crash::answers_until_killed;

const CLIENTS: usize = 16;

const SPIN_TOML: &str = "spin_manifest_version = 2\n[application]\nname = \"counter\"\n\
[[trigger.http]]\nroute = \"/...\"\ncomponent = \"counter\"\n[component.counter]\n\
source = \"{source}\"\nkey_value_stores = [\"default\"]\n";

/// One `GET /counter`: the views answered with a `200`, `None` when the host did not answer.
fn count(addr: SocketAddr) -> Option<i64> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    s.write_all(b"GET /counter HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).ok()?;
    let resp = String::from_utf8_lossy(&resp);
    if !resp.starts_with("HTTP/1.1 200") {
        return None;
    }
    let body = resp.split_once("\r\n\r\n")?.1;
    // The body may be chunked: the JSON object is the part between its braces.
    let json = &body[body.find('{')?..=body.rfind('}')?];
    serde_json::from_str::<serde_json::Value>(json).ok()?["views"].as_i64()
}

#[test]
fn kill_9_under_write_load_loses_no_acknowledged_write() {
    let app = TestApp::new(SPIN_TOML, COUNTER);
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut host = Command::new(env!("CARGO_BIN_EXE_edgezero-spin-host"))
        .arg("--from")
        .arg(&app.spin_toml)
        .args(["--listen", &addr.to_string()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count(addr).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "host did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let acked = answers_until_killed(
        &mut host,
        CLIENTS,
        Duration::from_millis(1500),
        20,
        move |_, _| count(addr),
    );

    let rows = common::rows(&app.default_db(), "default");
    let stored = rows
        .iter()
        .find(|(k, _)| k == "views")
        .map(|(_, v)| i64::from_le_bytes(v.as_slice().try_into().unwrap()))
        .expect("views in the file");
    let highest = *acked.iter().max().unwrap();
    // The start-up probe's own first request counted too.
    assert!(
        stored >= highest && stored > acked.len() as i64,
        "{} answered views up to {highest}, the file holds {stored}",
        acked.len()
    );
}
