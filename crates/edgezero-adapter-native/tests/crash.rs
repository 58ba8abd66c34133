//! `kill -9` of a server under write load loses no acknowledged write: every write a client
//! got a `200` for is in the SQLite file afterwards, whatever moment the server died at.
//!
//! The server is this test binary itself, run again as a child process (the `child_server`
//! test, which serves only when `CRASH_CHILD_KV` is set), so that it can be killed for real.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use edgezero_adapter_native::bind;
use edgezero_core::extract::{Kv, Path};
use edgezero_core::{EdgeError, Router};
use edgezero_test_support::crash::answers_until_killed;

mod common;

const CLIENTS: usize = 16;

/// `POST /w/{key}`: counts in `n` and stores the key; answers the count.
async fn write(Kv(kv): Kv, Path(key): Path<String>) -> Result<String, EdgeError> {
    kv.put_bytes(&key, &b"written"[..]).await?;
    Ok(kv.increment("n", 1).await?.to_string())
}

#[test]
fn child_server() {
    let Ok(kv_path) = std::env::var("CRASH_CHILD_KV") else {
        return; // only as the child of the test below
    };
    let config = common::loopback(kv_path, 2);
    let router = Router::new().post("/w/{key}", write);
    let (server, handle) = bind(router, &common::DATA_ONLY, config).unwrap();
    println!("listening {}", server.local_addr().unwrap());
    server.serve(handle, std::future::pending::<()>()).unwrap();
}

/// One `POST /w/<key>`: the count on a `200`, `None` when the server did not answer.
fn post(addr: SocketAddr, key: &str) -> Option<i64> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let req = format!(
        "POST /w/{key} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    if !resp.starts_with("HTTP/1.1 200") {
        return None;
    }
    resp.split_once("\r\n\r\n")?.1.parse().ok()
}

#[test]
fn kill_9_under_write_load_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let kv_path = dir.path().join("kv.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
        .env("CRASH_CHILD_KV", &kv_path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().expect("the child server started").unwrap();
        // The test harness may print the test's name on the same line first.
        if let Some((_, addr)) = line.split_once("listening ") {
            break addr.trim().parse().unwrap();
        }
    };

    let acked = answers_until_killed(
        &mut child,
        CLIENTS,
        Duration::from_millis(1500),
        20,
        move |c, i| {
            let key = format!("k{c}-{i}");
            post(addr, &key).map(|count| (key, count))
        },
    );

    let conn = edgezero_spin_sqlite::open(&kv_path).unwrap();
    for (key, _) in &acked {
        assert_eq!(
            edgezero_spin_sqlite::get(&conn, "data", key)
                .unwrap()
                .as_deref(),
            Some(&b"written"[..]),
            "acknowledged write of {key} is missing after kill -9"
        );
    }
    let stored = edgezero_spin_sqlite::get(&conn, "data", "n")
        .unwrap()
        .unwrap();
    let stored = i64::from_le_bytes(stored.try_into().unwrap());
    let highest = acked.iter().map(|(_, n)| *n).max().unwrap();
    assert!(
        stored >= highest,
        "the counter went back from an acknowledged {highest} to {stored}"
    );
}
