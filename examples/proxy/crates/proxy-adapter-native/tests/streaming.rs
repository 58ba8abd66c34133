//! 50 MiB up and 50 MiB down through the proxy, with the peak memory of this process
//! (client, gateway and origin all in it) bounded: the bodies stream, none is ever held whole.
//! One test in its own binary, so no other test allocates while it measures.

mod common;

use std::time::Duration;

use common::Gateway;
use edgezero_test_support::origin::Origin;
use edgezero_test_support::pattern::Checksum;
use edgezero_test_support::process_memory::{memory_kib, reset_peak_memory};
use edgezero_test_support::wire::{download, upload_pattern};

const SIZE: u64 = 50 << 20;
const MAX_GROWTH_KIB: u64 = 40 << 10;

#[test]
fn fifty_mib_each_way_streams_with_bounded_memory() {
    let origin = Origin::start();
    let gw = Gateway::start(Some(&origin.base_url()), Duration::from_secs(30));
    // Warm up: threads, pools and buffers exist before the measurement starts.
    assert_eq!(gw.get("/api/health").status, 200);
    let expected = Checksum::of_pattern(SIZE);
    // The peak is what is measured, not the end state.
    reset_peak_memory();
    let before = memory_kib("VmRSS:");

    let up = upload_pattern(gw.connect(), "/api/echo/upload", SIZE);
    assert_eq!(up.status, 200, "{}", up.text());
    let echo = up.json();
    assert_eq!(echo["body_len"], SIZE);
    assert_eq!(
        echo["body_checksum"],
        expected.hex(),
        "the upload arrived intact"
    );

    let down = download(
        gw.connect(),
        &format!("/api/stream?bytes={SIZE}&chunk=65536"),
    );
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
