//! examples/proxy on the embedded host in front of a test origin (edgezero-test-support): its config row written
//! in Spin's table and `allowed_outbound_hosts` naming the origin (or not).

use std::time::Duration;

use edgezero_spin_host::UpOptions;

use super::{Running, TestApp, PROXY};

/// The example's spin.toml, with the allowed origin as a variable as the example has it.
fn spin_toml(timeout_ms: u64, max_body: usize) -> String {
    format!(
        r#"spin_manifest_version = 2

[application]
name = "proxy"

[variables]
origin_host = {{ default = "127.0.0.1:1" }}

[[trigger.http]]
route = "/..."
component = "proxy"

[component.proxy]
source = "{{source}}"
key_value_stores = ["app_config"]
allowed_outbound_hosts = ["http://{{{{ origin_host }}}}"]
environment = {{ EDGEZERO__ADAPTER__MAX_BODY_BYTES = "{max_body}", EDGEZERO__HTTP__TIMEOUT_MS = "{timeout_ms}" }}
"#
    )
}

/// The proxy in front of `origin`, which its `allowed_outbound_hosts` allows.
pub async fn start_for(
    origin: &edgezero_test_support::origin::Origin,
    timeout: Duration,
) -> (TestApp, Running) {
    start(&origin.base_url(), &origin.addr().to_string(), timeout).await
}

/// The gateway in front of `base_url`; `allowed` is the `host:port` spin.toml allows.
pub async fn start(base_url: &str, allowed: &str, timeout: Duration) -> (TestApp, Running) {
    start_limited(base_url, allowed, timeout, 64 << 20).await
}

/// [`start`] with a request body limit of `max_body` bytes.
pub async fn start_limited(
    base_url: &str,
    allowed: &str,
    timeout: Duration,
    max_body: usize,
) -> (TestApp, Running) {
    let toml = spin_toml(timeout.as_millis() as u64, max_body);
    let app = TestApp::new(&toml, PROXY).with_runtime_config(
        "[key_value_store.app_config]\ntype = \"spin\"\npath = \".spin/sqlite_key_value.db\"\n",
    );
    let db = app.dir.path().join(".spin/sqlite_key_value.db");
    let conn = edgezero_spin_sqlite::open(&db).unwrap();
    edgezero_spin_sqlite::set(&conn, "app_config", "origin.base_url", base_url.as_bytes()).unwrap();
    drop(conn);
    let mut up = UpOptions::default();
    up.variables.insert("origin_host".into(), allowed.into());
    let host = app.start_with(app.config().up(up)).await;
    (app, host)
}
