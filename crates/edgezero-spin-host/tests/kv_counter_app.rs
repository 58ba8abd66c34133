//! The seed's Fermyon Cloud app, examples/kv-counter-app, as one Spin app on one host: the
//! kv-explorer at `/internal/kv-explorer/...` and the counter at `/...`, both granted the
//! `default` store. The counter's writes are visible through the explorer's API.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{component, repo_root, request, COUNTER, KV_EXPLORER};
use edgezero_spin_host::{Host, HostConfig, UpOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_host_serves_both_components_over_one_default_store() {
    // The example's spin.toml points at the artifacts these builds produce.
    component(COUNTER);
    component(KV_EXPLORER);
    let state = tempfile::tempdir().unwrap();
    let config = HostConfig::new(repo_root().join("examples/kv-counter-app/spin.toml"))
        .listen("127.0.0.1:0".parse().unwrap())
        .up(UpOptions {
            key_values: vec![("kv-credentials".into(), "admin:secret".into())],
            state_dir: Some(state.path().to_path_buf()),
            ..UpOptions::default()
        });
    let host = Host::load(&config).await.expect("the example loads");
    let server = host.bind(config.listen).await.unwrap();
    let addr = server.local_addr();

    for expected in 1..=3 {
        let res = request(addr, "GET", "/counter", &[], b"").await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["views"], expected);
    }

    let auth = format!("Basic {}", STANDARD.encode("admin:secret"));
    let keys = request(
        addr,
        "GET",
        "/internal/kv-explorer/api/keys",
        &[("authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(keys.status, 200, "{}", keys.text());
    let listed = keys.json()["keys"].to_string();
    assert!(
        listed.contains("\"views\"") && listed.contains("\"previous-request\""),
        "the counter's keys must be visible to the explorer: {listed}"
    );
    assert!(!listed.contains("kv-credentials"), "{listed}");
    let views = request(
        addr,
        "GET",
        "/internal/kv-explorer/api/key/views",
        &[("authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(views.status, 200, "{}", views.text());
    // Spin's counter format: 8 little-endian bytes, shown by the explorer as binary.
    assert_eq!(views.json()["size"], 8, "{}", views.text());

    // The explorer is closed to a wrong password; the counter is not behind it.
    let wrong = format!("Basic {}", STANDARD.encode("admin:nope"));
    let denied = request(
        addr,
        "GET",
        "/internal/kv-explorer/api/keys",
        &[("authorization", &wrong)],
        b"",
    )
    .await;
    assert_eq!(denied.status, 401);
    server.shutdown().await;
}
