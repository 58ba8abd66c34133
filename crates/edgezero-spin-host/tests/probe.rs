//! The host API as a component sees it, through the host-probe test component
//! (`tests/components/host-probe`): the KV contract suite run inside the component,
//! Spin's access rules, variables, headers, traps and outbound HTTP.

mod common;

use common::{request, Running, TestApp, PROBE};

const SPIN_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "host-probe"

[variables]
greeting = { default = "hello" }
api_token = { default = "t0ken", secret = true }

[[trigger.http]]
route = "/..."
component = "probe"

[[trigger.http]]
route = "/users/:id/..."
component = "probe"

[component.probe]
source = "{source}"
key_value_stores = ["default", "second"]
allowed_outbound_hosts = []
environment = { PROBE_ENV = "from spin.toml" }

[component.probe.variables]
message = "{{ greeting }}, {{greeting}}!"
api_token = "{{ api_token }}"
"#;

const RUNTIME_CONFIG: &str = "[key_value_store.second]\ntype = \"spin\"\n";

async fn start() -> (TestApp, Running) {
    let app = TestApp::new(SPIN_TOML, PROBE).with_runtime_config(RUNTIME_CONFIG);
    let host = app.start().await;
    (app, host)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_contract_suite_runs_inside_the_component() {
    let (app, host) = start().await;
    // `default`: Spin's SQLite file next to spin.toml; `second`: SQLite in memory.
    common::assert_suite_passed(&host.get("/contract/default").await);
    common::assert_suite_passed(&host.get("/contract/second").await);
    // Again, on a reused instance and against the data the first run left.
    common::assert_suite_passed(&host.get("/contract/default").await);
    host.stop().await;
    assert!(app.default_db().is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_variables_environment_and_keys() {
    let (_app, host) = start().await;
    let open = |label: &str| format!("/raw/open/{label}");
    assert_eq!(host.get(&open("default")).await.json()["result"], "ok");
    assert_eq!(host.get(&open("second")).await.json()["result"], "ok");
    assert_eq!(
        host.get(&open("unlisted")).await.json()["result"],
        "access-denied"
    );

    let var = |name: &str| format!("/raw/var/{name}");
    assert_eq!(
        host.get(&var("message")).await.json()["value"],
        "hello, hello!"
    );
    assert_eq!(host.get(&var("api_token")).await.json()["value"], "t0ken");
    assert_eq!(
        host.get(&var("API_TOKEN")).await.json()["error"],
        "invalid-name"
    );
    assert_eq!(
        host.get(&var("greeting")).await.json()["error"],
        "undefined"
    );

    let env = host.get("/raw/env/PROBE_ENV").await.json();
    assert_eq!(env["value"], "from spin.toml");

    // 3000 keys come back through the get-keys stream, all of them.
    let keys = host.get("/raw/keys/second/3000").await;
    assert_eq!(keys.json()["count"], 3000, "{}", keys.text());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_headers_and_guest_uri() {
    let (_app, host) = start().await;
    let r = request(
        host.addr,
        "GET",
        "/users/42/raw/headers?x=1",
        &[("spin-path-info", "forged")],
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = r.json();
    assert_eq!(r["uri"], "/users/42/raw/headers?x=1");
    let h = &r["headers"];
    assert_eq!(
        h["spin-path-info"], "/raw/headers",
        "a client cannot forge it"
    );
    assert_eq!(h["spin-matched-route"], "/users/:id/...");
    assert_eq!(h["spin-raw-component-route"], "/users/:id/...");
    assert_eq!(h["spin-component-route"], "/users/:id");
    assert_eq!(h["spin-path-match-id"], "42");

    let r = host.get("/raw/headers?x=1").await.json();
    assert_eq!(r["uri"], "/raw/headers?x=1");
    let h = &r["headers"];
    assert_eq!(
        h["spin-full-url"],
        format!("http://{}/raw/headers?x=1", host.addr)
    );
    assert_eq!(h["spin-path-info"], "/raw/headers");
    assert_eq!(h["spin-matched-route"], "/...");
    assert_eq!(h["spin-raw-component-route"], "/...");
    assert_eq!(h["spin-component-route"], "");
    assert_eq!(h["spin-base-path"], "/");
    assert!(h["spin-client-addr"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
    host.stop().await;
}

/// Through both entry points (`run_app`, and the handler `component!` exports), the app gets
/// the client's address as `ClientAddr` and Spin's routing details as `SpinRequestInfo`,
/// and sees no `spin-*` header, not even one the client sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_sees_its_client_and_no_spin_header() {
    let (_app, host) = start().await;
    for entry in ["", "?entry=component"] {
        let r = request(
            host.addr,
            "GET",
            &format!("/users/42/seen{entry}"),
            &[
                ("spin-path-info", "forged"),
                ("x-kept", "1"),
                ("Spin-Own", "x"),
            ],
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{entry}: {}", r.text());
        let seen = r.json();
        assert_eq!(seen["client"], "127.0.0.1", "{entry}: {seen}");
        let headers = seen["headers"].as_array().unwrap();
        assert!(
            headers
                .iter()
                .all(|h| !h[0].as_str().unwrap().starts_with("spin-")),
            "{entry}: {seen}"
        );
        assert!(headers.iter().any(|h| h[0] == "x-kept" && h[1] == "1"));
        let spin = &seen["spin"];
        assert_eq!(
            spin["full_url"],
            format!("http://{}/users/42/seen{entry}", host.addr)
        );
        assert_eq!(spin["path_info"], "/seen", "a client cannot forge it");
        assert_eq!(spin["matched_route"], "/users/:id/...");
        assert_eq!(spin["raw_component_route"], "/users/:id/...");
        assert_eq!(spin["component_route"], "/users/:id");
        assert_eq!(spin["base_path"], "/");
        assert_eq!(spin["path_matches"], serde_json::json!([["id", "42"]]));
        let addr: std::net::SocketAddr = spin["client_addr"].as_str().unwrap().parse().unwrap();
        assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    }
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traps_outbound_http_and_large_bodies() {
    let (_app, host) = start().await;
    let trap = host.get("/raw/trap").await;
    assert_eq!(trap.status, 500);
    assert!(trap.body.is_empty(), "no internals leak: {}", trap.text());
    // The host keeps serving, on a fresh instance.
    for _ in 0..3 {
        assert_eq!(host.get("/raw/var/message").await.status, 200);
    }

    let outbound = host.get("/raw/outbound").await;
    assert_eq!(outbound.status, 200, "{}", outbound.text());
    let err = outbound.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(err.contains("HttpRequestDenied"), "{err}");

    let big = host.get("/raw/big/3000000").await;
    assert_eq!(big.status, 200);
    assert_eq!(big.body.len(), 3_000_000);
    assert!(big
        .body
        .iter()
        .enumerate()
        .all(|(i, b)| *b == b'a' + (i % 26) as u8));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_requests_all_succeed() {
    let (_app, host) = start().await;
    let addr = host.addr;
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            tokio::spawn(async move {
                let path = if i % 3 == 0 {
                    "/raw/big/20000"
                } else {
                    "/raw/var/message"
                };
                request(addr, "GET", path, &[], b"").await.status
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    host.stop().await;
}
