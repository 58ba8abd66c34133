//! A counter behind the native server, hit by many clients at once over real loopback HTTP.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use edgezero_adapter_native::bind;
use edgezero_core::extract::Kv;
use edgezero_core::{EdgeError, Router};

mod common;

const CLIENTS: usize = 16;
const REQUESTS: usize = 100;

async fn inc(Kv(kv): Kv) -> Result<String, EdgeError> {
    Ok(kv.increment("n", 1).await?.to_string())
}

/// One `POST /inc` on a fresh connection; the response body.
fn post_inc(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(b"POST /inc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    resp.split_once("\r\n\r\n").unwrap().1.to_string()
}

#[test]
fn concurrent_requests_each_get_their_own_count() {
    let dir = tempfile::tempdir().unwrap();
    let kv_path = dir.path().join("kv.db");
    let config = common::loopback(kv_path.clone(), 4);
    let (server, handle) =
        bind(Router::new().post("/inc", inc), &common::DATA_ONLY, config).unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        server.serve(handle, async {
            let _ = stopped.await;
        })
    });

    let start = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                (0..REQUESTS)
                    .map(|_| post_inc(addr).parse::<i64>().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen: Vec<i64> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let _ = stop.send(());
    server.join().unwrap().unwrap();

    let total = (CLIENTS * REQUESTS) as i64;
    seen.sort_unstable();
    assert!(
        seen == (1..=total).collect::<Vec<_>>(),
        "every request must get a distinct count in 1..={total}; got {} values from {:?} to {:?}",
        seen.len(),
        seen.first(),
        seen.last()
    );
    let conn = edgezero_spin_sqlite::open(&kv_path).unwrap();
    assert_eq!(
        edgezero_spin_sqlite::get(&conn, "data", "n").unwrap(),
        Some(total.to_le_bytes().to_vec())
    );
}
