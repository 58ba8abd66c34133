//! 50 MiB up and 50 MiB down through examples/proxy on the embedded host, with the peak
//! memory of this process (client, host, guest instance and origin all in it) bounded: the
//! bodies stream through the component, none is ever held whole. One test in its own binary,
//! so no other test allocates while it measures.

mod common;

use std::time::Duration;

use common::proxy::start_for;
use edgezero_test_support::origin::Origin;
use edgezero_test_support::pattern::Checksum;
use edgezero_test_support::process_memory::{memory_kib, reset_peak_memory};
use edgezero_test_support::wire::{connect, download, upload_pattern};

const SIZE: u64 = 50 << 20;
const MAX_GROWTH_KIB: u64 = 48 << 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_mib_each_way_stream_through_the_component() {
    let origin = Origin::start();
    let (_app, host) = start_for(&origin, Duration::from_secs(60)).await;
    let addr = host.addr;
    let growth = tokio::task::spawn_blocking(move || {
        // Warm up: an instance, its memory, the pools.
        assert_eq!(download(connect(addr), "/api/health").status, 200);
        let expected = Checksum::of_pattern(SIZE);
        reset_peak_memory();
        let before = memory_kib("VmRSS:");

        let up = upload_pattern(connect(addr), "/api/echo/upload", SIZE);
        assert_eq!(up.status, 200, "{}", up.text());
        assert_eq!(up.json()["body_len"], SIZE);
        assert_eq!(
            up.json()["body_checksum"],
            expected.hex(),
            "the upload arrived intact"
        );

        let down = download(
            connect(addr),
            &format!("/api/stream?bytes={SIZE}&chunk=65536"),
        );
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
