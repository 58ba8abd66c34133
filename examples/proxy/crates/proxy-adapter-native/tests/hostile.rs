//! The proxy example natively against a hostile or careless client: no encoding of `..`
//! leaves the proxied base path, and a client's own mistake keeps its 4xx (413, 400, 431)
//! instead of being blamed on the origin. The embedded Spin host answers the same
//! (crates/edgezero-spin-host/tests/proxy_hostile.rs).

mod common;

use std::time::Duration;

use common::Gateway;
use edgezero_test_support::hostile::{
    big_header, chunked_upload, malformed_chunk, PATH_ESCAPES, PATH_LOOKALIKES,
};
use edgezero_test_support::origin::Origin;

const TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn no_encoding_of_dot_dot_leaves_the_base_path() {
    let origin = Origin::start();
    let gw = Gateway::start(Some(&origin.url("/echo/public")), TIMEOUT);
    for rest in PATH_ESCAPES {
        let answer = gw.get(&format!("/api/{rest}"));
        assert_eq!(answer.status, 400, "/api/{rest}: {}", answer.text());
        assert_eq!(answer.json()["error"]["status"], 400, "{}", answer.text());
    }
    assert_eq!(
        origin.requests(),
        0,
        "an escaping path must not reach the origin"
    );
    for rest in PATH_LOOKALIKES {
        let answer = gw.get(&format!("/api/{rest}"));
        assert_eq!(answer.status, 200, "/api/{rest}: {}", answer.text());
        assert_eq!(answer.json()["path"], format!("/echo/public/{rest}"));
    }
}

#[test]
fn a_clients_own_mistakes_keep_their_status_through_the_proxy() {
    let origin = Origin::start();
    let gw = Gateway::start_with(Some(&origin.base_url()), TIMEOUT, 1 << 20);
    let upload = chunked_upload(gw.addr, "/api/echo", 2 << 20);
    assert_eq!(upload.status, 413, "{}", upload.text());

    let malformed = malformed_chunk(gw.addr, "/api/echo");
    assert_eq!(malformed.status, 400, "{}", malformed.text());

    let header = big_header(gw.addr, "/api/echo", 200 * 1024);
    assert_eq!(header.status, 431, "{}", header.text());
}
