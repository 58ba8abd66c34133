//! Guests that loop forever, with no request timeout (as under `spin up`): the host keeps
//! serving other requests, because running guests yield every epoch tick. In a test binary
//! of its own, since the loops run until the process exits.

mod common;

use std::time::{Duration, Instant};

use common::{probe_toml, request, TestApp, PROBE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_that_loop_forever_do_not_stop_other_requests() {
    let app = TestApp::new(&probe_toml(""), PROBE);
    let host = app.start().await;
    let addr = host.addr;
    let loops: Vec<_> = (0..4)
        .map(|_| tokio::spawn(async move { request(addr, "GET", "/raw/spin", &[], b"").await }))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..5 {
        let started = Instant::now();
        let r = tokio::time::timeout(Duration::from_secs(20), host.get("/raw/var/message"))
            .await
            .expect("the host stopped answering while guests loop");
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["value"], "hello");
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    for l in loops {
        l.abort();
    }
    drop(host);
}
