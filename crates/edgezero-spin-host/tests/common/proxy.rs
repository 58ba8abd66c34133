//! examples/proxy on the embedded host in front of a testkit origin: its config row written
//! in Spin's table, `allowed_outbound_hosts` naming the origin (or not), and a blocking
//! HTTP/1.1 client that streams bodies.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use edgezero_spin_host::UpOptions;
use edgezero_testkit::wire::{read_answer, Answer};

use super::{Running, TestApp, PROXY};

/// The example's spin.toml, with the allowed origin as a variable as the example has it.
fn spin_toml(timeout_ms: u64) -> String {
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
environment = {{ EDGEZERO__ADAPTER__MAX_BODY_BYTES = "67108864", EDGEZERO__HTTP__TIMEOUT_MS = "{timeout_ms}" }}
"#
    )
}

/// The gateway in front of `base_url`; `allowed` is the `host:port` spin.toml allows.
pub async fn start(base_url: &str, allowed: &str, timeout: Duration) -> (TestApp, Running) {
    let app = TestApp::new(&spin_toml(timeout.as_millis() as u64), PROXY).with_runtime_config(
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

/// A connection to the host, for a test that writes its own request.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s
}

/// Sends `head` (request line and headers) with `body`; reads the whole answer. Blocking:
/// call it from `spawn_blocking`.
pub fn send(addr: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut s = connect(addr);
    write!(
        s,
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    read_answer(s, true).unwrap()
}
