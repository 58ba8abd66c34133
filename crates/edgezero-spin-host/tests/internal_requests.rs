//! Requests a component sends to its own app, served as `spin up` serves them:
//! `http://self.alt/...` through the app's routes when `"http://self"` is allowed, and
//! service chaining (`http://<id>.spin.internal`) straight to a component, private or not.
//! A URL without scheme and host cannot be sent over `wasi:http` 0.3 at all (wasmtime
//! refuses it before any host policy runs, under `spin up` too).

mod common;

use common::{TestApp, PROBE};

/// Two components from the same probe: `front` at `/...`, `back` private (chaining only);
/// each says who it is through its environment.
fn spin_toml(front_allowed: &str) -> String {
    format!(
        r#"spin_manifest_version = 2

[application]
name = "internal"

[[trigger.http]]
route = "/..."
component = "front"

[[trigger.http]]
route = {{ private = true }}
component = "back"

[component.front]
source = "{{source}}"
environment = {{ WHO = "front" }}
allowed_outbound_hosts = [{front_allowed}]

[component.back]
source = "{{source}}"
environment = {{ WHO = "back" }}
"#
    )
}

/// The probe's answer when its outbound request failed with `code`.
fn assert_guest_error(answer: &serde_json::Value, code: &str) {
    assert!(
        answer["error"].as_str().is_some_and(|e| e.contains(code)),
        "expected {code}: {answer}"
    );
}

fn inner(outer: &serde_json::Value) -> serde_json::Value {
    assert_eq!(outer["status"], 200, "{outer}");
    serde_json::from_str(outer["body"].as_str().expect("body")).expect("inner JSON")
}

/// What the probe's outbound request to `path` (`/raw/fetch/<host>/...`) answered, as JSON.
async fn fetched(host: &common::Running, path: &str) -> serde_json::Value {
    inner(&host.get(path).await.json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_requests_and_service_chaining_are_served_in_the_app() {
    let app = TestApp::new(
        &spin_toml(r#""http://self", "http://back.spin.internal""#),
        PROBE,
    );
    let host = app.start().await;

    // `http://self.alt/...` goes through the app's routes (here: back to `front`).
    let own = fetched(&host, "/raw/fetch/self.alt/raw/env/WHO").await;
    assert_eq!(own["value"], "front");
    let alt = host.get("/raw/fetch/self.alt/raw/headers").await.json();
    let headers = inner(&alt);
    assert_eq!(headers["headers"]["spin-matched-route"], "/...");
    assert_eq!(headers["headers"]["spin-path-info"], "/raw/headers");
    // A relative URL never leaves the guest's wasi:http implementation.
    let relative = host.get("/raw/fetch-relative/raw/env/WHO").await.json();
    assert_guest_error(&relative, "HttpRequestUriInvalid");

    // Service chaining reaches the private component directly, as a `/...` match.
    let chained = fetched(&host, "/raw/fetch/back.spin.internal/raw/env/WHO").await;
    assert_eq!(chained["value"], "back");
    let chained = fetched(&host, "/raw/fetch/back.spin.internal/raw/headers").await;
    assert_eq!(chained["headers"]["spin-client-addr"], "0.0.0.0:0");
    assert_eq!(chained["headers"]["spin-path-info"], "/raw/headers");
    assert_eq!(chained["uri"], "/raw/headers");

    // The private component has no public route.
    assert_eq!(host.get("/nothing-routes-to-back").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_requests_need_their_allowed_outbound_hosts_entry() {
    let app = TestApp::new(&spin_toml(r#""http://*.spin.internal""#), PROBE);
    let host = app.start().await;
    // No "http://self": requests to the app itself are denied, as by Spin.
    let denied = host.get("/raw/fetch/self.alt/raw/env/WHO").await.json();
    assert_guest_error(&denied, "HttpRequestDenied");
    // The wildcard allows chaining to any component; a missing one is not found.
    let chained = fetched(&host, "/raw/fetch/back.spin.internal/raw/env/WHO").await;
    assert_eq!(chained["value"], "back");
    let missing = host.get("/raw/fetch/nope.spin.internal/x").await.json();
    assert_guest_error(&missing, "DestinationNotFound");

    // Without an entry for it, chaining is denied too.
    let app = TestApp::new(&spin_toml(r#""http://self""#), PROBE);
    let host = app.start().await;
    let denied = host
        .get("/raw/fetch/back.spin.internal/raw/env/WHO")
        .await
        .json();
    assert_guest_error(&denied, "HttpRequestDenied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_calling_itself_forever_is_stopped() {
    let app = TestApp::new(&spin_toml(r#""http://self""#), PROBE);
    let host = app.start().await;
    let res = tokio::time::timeout(std::time::Duration::from_secs(120), host.get("/raw/loop"))
        .await
        .expect("the loop must end");
    assert_eq!(res.status, 200, "{}", res.text());
    let text = res.text();
    assert!(
        text.contains("too many requests to the app itself"),
        "the innermost call is refused: {text}"
    );
    // The host still serves afterwards.
    let own = fetched(&host, "/raw/fetch/self.alt/raw/env/WHO").await;
    assert_eq!(own["value"], "front");
}
