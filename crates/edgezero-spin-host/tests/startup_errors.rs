//! What `spin up` refuses to start, the embedded host refuses too, and says how to fix it.

mod common;

use common::{TestApp, COUNTER, KV_API};

const KV_API_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "kv-api"

[variables]
api_token = { required = true, secret = true }

[[trigger.http]]
route = "/..."
component = "kv-api"

[component.kv-api]
source = "{source}"
key_value_stores = ["data", "app_config"]

[component.kv-api.variables]
api_token = "{{ api_token }}"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_without_a_backend_names_label_component_and_stanza() {
    std::env::remove_var("SPIN_VARIABLE_API_TOKEN");
    let toml = KV_API_TOML.replace("required = true", "default = \"\"");
    let app = TestApp::new(&toml, KV_API)
        .with_runtime_config("[key_value_store.data]\ntype = \"spin\"\n");
    let err = app.start_error().await;
    assert!(
        err.contains(r#"unknown key_value_stores label "app_config" for component "kv-api""#),
        "{err}"
    );
    assert!(err.contains("[key_value_store.app_config]"), "{err}");
    assert!(err.contains("type = \"spin\""), "{err}");
    assert!(err.contains("runtime-config.toml"), "{err}");

    // Without any runtime config, only `default` exists.
    let app = TestApp::new(&toml, KV_API);
    let err = app.start_error().await;
    assert!(
        err.contains(r#"unknown key_value_stores label "data" for component "kv-api""#),
        "{err}"
    );
    assert!(err.contains("--runtime-config"), "{err}");
    assert!(
        !app.dir.path().join(".spin").exists(),
        "nothing written on a failed start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_variable_without_a_value_fails() {
    std::env::remove_var("SPIN_VARIABLE_API_TOKEN");
    let app = TestApp::new(KV_API_TOML, KV_API).with_runtime_config(
        "[key_value_store.data]\ntype = \"spin\"\n[key_value_store.app_config]\ntype = \"spin\"\n",
    );
    let err = app.start_error().await;
    assert!(err.contains("api_token"), "{err}");
    assert!(err.contains("SPIN_VARIABLE_API_TOKEN"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_manifests_and_missing_components() {
    let app = TestApp::new(
        "spin_manifest_version = 2\n[application]\nname = \"c\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"counter\"\n[component.counter]\nsource = \"{source}\"\nkey_value_storez = [\"default\"]\n",
        COUNTER,
    );
    let err = app.start_error().await;
    assert!(err.contains("spin.toml:9:1"), "{err}");
    assert!(
        err.contains("`component.counter.key_value_storez`"),
        "{err}"
    );

    let app = TestApp::new(
        "spin_manifest_version = 2\n[application]\nname = \"c\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"counter\"\n[component.counter]\nsource = \"missing.wasm\"\n",
        COUNTER,
    );
    let err = app.start_error().await;
    assert!(err.contains("component \"counter\""), "{err}");
    assert!(err.contains("missing.wasm"), "{err}");

    let app = TestApp::new(
        "spin_manifest_version = 2\n[application]\nname = \"c\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"counter\"\n[component.counter]\nsource = \"{source}\"\n",
        COUNTER,
    )
    .with_runtime_config("[key_value_store.default]\ntype = \"azure_cosmos\"\n");
    let err = app.start_error().await;
    assert!(err.contains("runtime-config.toml:2:1"), "{err}");
    assert!(err.contains("spin up"), "{err}");
}
