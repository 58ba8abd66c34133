//! 50 MiB up and 50 MiB down through examples/proxy on the embedded host, with the peak
//! memory of this process (client, host, guest instance and origin all in it) bounded: the
//! bodies stream through the component, none is ever held whole. One test in its own binary,
//! so no other test allocates while it measures.

mod common;

use std::io::Write;
use std::time::Duration;

use common::proxy::start;
use edgezero_testkit::origin::Origin;
use edgezero_testkit::pattern::{pattern, Checksum};
use edgezero_testkit::wire::{connect, read_answer};

const SIZE: u64 = 50 << 20;
const MAX_GROWTH_KIB: u64 = 48 << 10;

/// `VmRSS` (resident now) or `VmHWM` (the peak) of this process, in KiB.
fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_mib_each_way_stream_through_the_component() {
    let origin = Origin::start();
    let allowed = origin.addr().to_string();
    let (_app, host) = start(&origin.base_url(), &allowed, Duration::from_secs(60)).await;
    let addr = host.addr;
    let growth = tokio::task::spawn_blocking(move || {
        // Warm up: an instance, its memory, the pools.
        let mut s = connect(addr);
        s.write_all(b"GET /api/health HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n")
            .unwrap();
        assert_eq!(read_answer(s, true).unwrap().status, 200);
        let expected = Checksum::of_pattern(SIZE);
        // Reset the peak to the current RSS (Linux `clear_refs` 5), so a body buffered and
        // freed in between still shows.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = memory_kib("VmRSS:");

        let mut s = connect(addr);
        write!(
            s,
            "PUT /api/echo/upload HTTP/1.1\r\nHost: e\r\nContent-Length: {SIZE}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut sent = 0u64;
        while sent < SIZE {
            let len = (256 * 1024).min(SIZE - sent);
            s.write_all(&pattern(sent, len as usize)).unwrap();
            sent += len;
        }
        let up = read_answer(s, true).unwrap();
        assert_eq!(up.status, 200, "{}", up.text());
        assert_eq!(up.json()["body_len"], SIZE);
        assert_eq!(up.json()["body_checksum"], expected.hex(), "the upload arrived intact");

        let mut s = connect(addr);
        write!(
            s,
            "GET /api/stream?bytes={SIZE}&chunk=65536 HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let down = read_answer(s, false).unwrap();
        assert_eq!(down.status, 200);
        assert!(down.complete, "the download ended early");
        assert_eq!(down.sum, expected, "the download arrived intact");

        let peak = memory_kib("VmHWM:");
        eprintln!("RSS before {before} KiB, peak {peak} KiB");
        peak.saturating_sub(before)
    })
    .await
    .unwrap();
    assert!(
        growth < MAX_GROWTH_KIB,
        "peak RSS grew by {growth} KiB moving 2 x 50 MiB: something buffered a body"
    );
    host.stop().await;
}
