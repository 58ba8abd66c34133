//! 50 MiB up and 50 MiB down through the proxy, with the peak memory of this process
//! (client, gateway and origin all in it) bounded: the bodies stream, none is ever held whole.
//! One test in its own binary, so no other test allocates while it measures.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{read_answer, Gateway};
use edgezero_testkit::origin::Origin;
use edgezero_testkit::pattern::{pattern, Checksum};

const SIZE: u64 = 50 << 20;
const MAX_GROWTH_KIB: u64 = 40 << 10;

/// `VmRSS` (resident now) or `VmHWM` (the peak) of this process, in KiB.
fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

#[test]
fn fifty_mib_each_way_streams_with_bounded_memory() {
    let origin = Origin::start();
    let gw = Gateway::start(Some(&origin.base_url()), Duration::from_secs(30));
    // Warm up: threads, pools and buffers exist before the measurement starts.
    assert_eq!(gw.get("/api/health").status, 200);
    let expected = Checksum::of_pattern(SIZE);
    // Reset the peak to the current RSS (Linux `clear_refs` 5), so that a body buffered and
    // freed again in between still shows: the peak is what is measured, not the end state.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = memory_kib("VmRSS:");

    let mut s = gw.connect();
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
    let echo = up.json();
    assert_eq!(echo["body_len"], SIZE);
    assert_eq!(
        echo["body_checksum"],
        expected.hex(),
        "the upload arrived intact"
    );

    let mut s = gw.connect();
    write!(
        s,
        "GET /api/stream?bytes={SIZE}&chunk=65536 HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let down = read_answer(s, false).unwrap();
    assert_eq!(down.status, 200);
    assert!(down.complete);
    assert_eq!(down.sum, expected, "the download arrived intact");

    let peak = memory_kib("VmHWM:");
    let growth = peak.saturating_sub(before);
    eprintln!("RSS before {before} KiB, peak {peak} KiB, growth {growth} KiB");
    assert!(
        growth < MAX_GROWTH_KIB,
        "peak RSS grew by {growth} KiB moving 2 x 50 MiB: something buffered a body"
    );
}
