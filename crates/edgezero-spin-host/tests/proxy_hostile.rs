//! examples/proxy on the embedded host against a hostile or careless client: no encoding of
//! `..` leaves the proxied base path, and a client's own mistake keeps its 4xx (413, 400, 431)
//! instead of being blamed on the origin. The native server answers the same
//! (examples/proxy/crates/proxy-adapter-native/tests/hostile.rs).

mod common;

use std::time::Duration;

use common::proxy::start_limited;
use edgezero_test_support::hostile::{
    big_header, chunked_upload, malformed_chunk, PATH_ESCAPES, PATH_LOOKALIKES,
};
use edgezero_test_support::origin::Origin;
use edgezero_test_support::wire::send;

const TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_encoding_of_dot_dot_leaves_the_base_path() {
    let origin = Origin::start();
    let base = origin.url("/echo/public");
    let (_app, host) = start_limited(&base, &origin.addr().to_string(), TIMEOUT, 1 << 20).await;
    let addr = host.addr;
    tokio::task::spawn_blocking(move || {
        for rest in PATH_ESCAPES {
            let answer = send(addr, &format!("GET /api/{rest} HTTP/1.1\r\nHost: e"), b"");
            assert_eq!(answer.status, 400, "/api/{rest}: {}", answer.text());
            assert_eq!(answer.json()["error"]["status"], 400, "{}", answer.text());
        }
        assert_eq!(
            origin.requests(),
            0,
            "an escaping path must not reach the origin"
        );
        for rest in PATH_LOOKALIKES {
            let answer = send(addr, &format!("GET /api/{rest} HTTP/1.1\r\nHost: e"), b"");
            assert_eq!(answer.status, 200, "/api/{rest}: {}", answer.text());
            assert_eq!(answer.json()["path"], format!("/echo/public/{rest}"));
        }
    })
    .await
    .unwrap();
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_own_mistakes_keep_their_status_through_the_proxy() {
    let origin = Origin::start();
    let (_app, host) = start_limited(
        &origin.base_url(),
        &origin.addr().to_string(),
        TIMEOUT,
        1 << 20,
    )
    .await;
    let addr = host.addr;
    tokio::task::spawn_blocking(move || {
        let upload = chunked_upload(addr, "/api/echo", 2 << 20);
        assert_eq!(upload.status, 413, "{}", upload.text());
        assert_eq!(upload.json()["error"]["status"], 413, "{}", upload.text());

        let malformed = malformed_chunk(addr, "/api/echo");
        assert_eq!(malformed.status, 400, "{}", malformed.text());

        let header = big_header(addr, "/api/echo", 200 * 1024);
        assert_eq!(header.status, 431, "{}", header.text());
    })
    .await
    .unwrap();
    host.stop().await;
}
