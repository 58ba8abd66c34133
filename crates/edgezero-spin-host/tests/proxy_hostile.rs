//! examples/proxy on the embedded host: a streamed upload past the component's body limit
//! keeps its 413 through the proxy instead of being blamed on the origin (a 502). The path
//! escapes, the malformed chunk and the oversize header are requests of
//! examples/proxy/conformance.toml, which every adapter runs; a streamed upload past a limit
//! needs a small limit, which that file's shared spin.toml does not have.

mod common;

use std::time::Duration;

use common::proxy::start_limited;
use edgezero_test_support::hostile::chunked_upload;
use edgezero_test_support::origin::Origin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_upload_past_the_limit_keeps_its_413_through_the_proxy() {
    let origin = Origin::start();
    let (_app, host) = start_limited(
        &origin.base_url(),
        &origin.addr().to_string(),
        Duration::from_secs(10),
        1 << 20,
    )
    .await;
    let addr = host.addr;
    tokio::task::spawn_blocking(move || {
        let upload = chunked_upload(addr, "/api/echo", 2 << 20);
        assert_eq!(upload.status, 413, "{}", upload.text());
        assert_eq!(upload.json()["error"]["status"], 413, "{}", upload.text());
    })
    .await
    .unwrap();
    host.stop().await;
}
