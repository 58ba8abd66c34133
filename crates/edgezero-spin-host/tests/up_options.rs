//! `spin up`'s options in the embedded host: `--key-value` pre-seeds `default`, `--env`
//! reaches every component over spin.toml's environment, `--variable` wins over
//! `SPIN_VARIABLE_*`, which wins over `.env`, which wins over defaults, and `--state-dir`
//! moves the default store's file.

mod common;

use std::collections::BTreeMap;

use common::{TestApp, PROBE};
use edgezero_spin_host::UpOptions;

const SPIN_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "host-probe"

[variables]
from_cli = { default = "manifest" }
from_process = { default = "manifest" }
from_dotenv = { default = "manifest" }
from_default = { default = "manifest" }

[[trigger.http]]
route = "/..."
component = "probe"

[component.probe]
source = "{source}"
key_value_stores = ["default"]
environment = { PROBE_ENV = "from spin.toml", KEEP = "kept" }

[component.probe.variables]
a = "{{ from_cli }}"
b = "{{ from_process }}"
c = "{{ from_dotenv }}"
d = "{{ from_default }}"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_up_options_have_spins_meaning() {
    let app = TestApp::new(SPIN_TOML, PROBE);
    let dotenv = app.dir.path().join(".env");
    std::fs::write(
        &dotenv,
        "SPIN_VARIABLE_FROM_CLI=dotenv\nSPIN_VARIABLE_FROM_PROCESS=dotenv\nSPIN_VARIABLE_FROM_DOTENV=dotenv\n",
    )
    .unwrap();
    // Process environment: set for names no other test uses.
    std::env::set_var("SPIN_VARIABLE_FROM_PROCESS", "process");
    std::env::set_var("SPIN_VARIABLE_FROM_CLI", "process");
    let state = tempfile::tempdir().unwrap();
    let up = UpOptions {
        key_values: vec![("kv-credentials".into(), "admin:secret".into())],
        env: vec![
            ("PROBE_ENV".into(), "from --env".into()),
            ("EXTRA".into(), "x".into()),
        ],
        variables: BTreeMap::from([("from_cli".to_string(), "cli".to_string())]),
        dotenv: Some(dotenv),
        state_dir: Some(state.path().to_path_buf()),
    };
    let host = app.start_with(app.config().up(up)).await;
    let var = |name: &'static str| {
        let host = &host;
        async move { host.get(&format!("/raw/var/{name}")).await.json()["value"].clone() }
    };
    assert_eq!(var("a").await, "cli");
    assert_eq!(var("b").await, "process");
    assert_eq!(var("c").await, "dotenv");
    assert_eq!(var("d").await, "manifest");
    let env = |name: &'static str| {
        let host = &host;
        async move { host.get(&format!("/raw/env/{name}")).await.json()["value"].clone() }
    };
    assert_eq!(env("PROBE_ENV").await, "from --env");
    assert_eq!(env("EXTRA").await, "x");
    assert_eq!(env("KEEP").await, "kept");
    let seeded = host.get("/raw/bytes/default/kv-credentials").await.json();
    assert_eq!(seeded["bytes"], serde_json::json!(b"admin:secret".to_vec()));
    host.stop().await;
    // The default store lives in the state directory, not next to spin.toml.
    let rows = common::rows(&state.path().join("sqlite_key_value.db"), "default");
    assert_eq!(
        rows,
        vec![("kv-credentials".to_string(), b"admin:secret".to_vec())]
    );
    assert!(!app.default_db().exists());
}
