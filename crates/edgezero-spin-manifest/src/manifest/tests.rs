use super::*;
use edgezero_env::StoreKind;

const GOOD: &str = r#"spin_manifest_version = 2

[application]
name = "kv-api"
version = "0.1.0"

[variables]
api_token = { required = true, secret = true }
greeting = { default = "hi" }

[[trigger.http]]
route = "/..."
component = "kv-api"

[[trigger.http]]
route = { private = true }
component = "kv-api"

[component.kv-api]
source = "target/kv.wasm"
key_value_stores = ["data", "app_config", "data"]
allowed_outbound_hosts = []
environment = { EDGEZERO__STORES__KV__DATA__NAME = "default" }

[component.kv-api.variables]
api_token = "{{ api_token }}"
hello = "{{greeting}}, world"

[component.kv-api.build]
command = "cargo build"
"#;

fn parse(text: &str) -> Result<Manifest, LoadError> {
    Manifest::parse(Path::new("/app/spin.toml"), text)
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn reads_a_v2_manifest() {
    let m = parse(GOOD).unwrap();
    assert_eq!(m.name, "kv-api");
    assert_eq!(m.dir, Path::new("/app"));
    assert_eq!(m.routes.len(), 1);
    assert_eq!(m.routes[0].0.raw(), "/...");
    assert_eq!(m.private_components, ["kv-api"]);
    let c = &m.components["kv-api"];
    assert_eq!(c.source, Path::new("/app/target/kv.wasm"));
    let labels: Vec<&str> = c.key_value_stores.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["data", "app_config"]);
    assert_eq!(c.key_value_stores[0].1, 21);
    assert_eq!(
        c.environment,
        [(
            "EDGEZERO__STORES__KV__DATA__NAME".to_string(),
            "default".to_string()
        )]
    );
    assert!(m.variables["api_token"].required);
    assert!(m.variables["api_token"].secret);
    assert_eq!(c.variables.len(), 2);
}

#[test]
fn unknown_keys_name_file_line_and_key() {
    let e = err(&GOOD.replace("allowed_outbound_hosts = []", "allowed_outbound_hostz = []"));
    assert!(e.starts_with("/app/spin.toml:22:"), "{e}");
    assert!(e.contains("unknown field `allowed_outbound_hostz`"), "{e}");
    let e = err(&GOOD.replace("version = \"0.1.0\"", "verzion = \"0.1.0\""));
    assert!(e.starts_with("/app/spin.toml:5:"), "{e}");
}

#[test]
fn malformed_entries() {
    let e = err(&GOOD.replace("route = \"/...\"", "route = \"api\""));
    assert!(
        e.contains(":12:") && e.contains("`trigger.http.0.route`"),
        "{e}"
    );
    assert!(e.contains("must start with `/`"), "{e}");

    let e = err(&GOOD.replace("component = \"kv-api\"\n\n[[", "component = \"nope\"\n\n[["));
    assert!(
        e.contains("no [component.nope]") && e.contains("kv-api"),
        "{e}"
    );

    let e = err(&GOOD.replace("{{greeting}}", "{{ greting }}"));
    assert!(e.contains("`component.kv-api.variables.hello`"), "{e}");
    assert!(e.contains("names no application variable"), "{e}");

    let e = err(&GOOD.replace(
        "greeting = { default = \"hi\" }",
        "greeting = { default = \"hi\", required = true }",
    ));
    assert!(
        e.contains("`variables.greeting`") && e.contains("exactly one"),
        "{e}"
    );

    let e = err(&GOOD.replace("spin_manifest_version = 2", "spin_manifest_version = \"1\""));
    assert!(e.contains(":1:") && e.contains("version 2"), "{e}");

    let m = parse(&GOOD.replace(
        "[component.kv-api]\n",
        "[component.kv-api]\nfiles = [\"x\"]\n",
    ))
    .expect("spin up accepts `files`");
    let e = m.check_embedded_host_support().unwrap_err().to_string();
    assert!(
        e.contains("`component.kv-api.files`") && e.contains("spin up"),
        "{e}"
    );

    let e = err(&GOOD.replace(
        "source = \"target/kv.wasm\"",
        "source = { url = \"https://x\", digest = \"sha256:0\" }",
    ));
    assert!(
        e.contains("`component.kv-api.source`") && e.contains("local files"),
        "{e}"
    );

    let e = err("spin_manifest_version = 2\n[application]\nname = \"x\"\n[[trigger.redis]]\nchannel = \"c\"\n");
    assert!(
        e.contains(":4:") && e.contains("unknown field `redis`"),
        "{e}"
    );

    let e = err("spin_manifest_version = 2\n[application]\nname = \"x\"\n[component.My_App]\nsource = \"a.wasm\"\n");
    assert!(e.contains("kebab-case"), "{e}");

    let e = err("spin_manifest_version = 2\n[application]\nname = \"x\"\n[variables]\nApi = { default = \"\" }\n");
    assert!(e.contains(":5:") && e.contains("`variables.Api`"), "{e}");

    let e = err("spin_manifest_version = 2\n[application\n");
    assert!(e.starts_with("/app/spin.toml:2:"), "{e}");
}

#[test]
fn labels_come_from_the_component_environment_only() {
    let m = parse(GOOD).unwrap();
    let c = &m.components["kv-api"];
    assert_eq!(c.store_label(StoreKind::Kv, "data"), "default");
    assert_eq!(c.store_label(StoreKind::Config, "app_config"), "app_config");
}

#[test]
fn build_commands_and_spin_id_rules() {
    let m = parse(GOOD).unwrap();
    let b = m.components["kv-api"].build.as_ref().unwrap();
    assert_eq!(b.commands, ["cargo build"]);
    assert_eq!(b.workdir, Path::new("/app"));
    let m = parse(&GOOD.replace(
        "command = \"cargo build\"",
        "command = [\"a\", \"b\"]\nworkdir = \"sub\"",
    ))
    .unwrap();
    let b = m.components["kv-api"].build.as_ref().unwrap();
    assert_eq!(b.commands, ["a", "b"]);
    assert_eq!(b.workdir, Path::new("/app/sub"));
    // Spin accepts a later word starting with a digit, and rejects empty words.
    let text = "spin_manifest_version = 2\n[application]\nname = \"x\"\n[component.app-2]\nsource = \"a.wasm\"\n";
    assert!(parse(text).is_ok());
    let e = err(&text.replace("app-2", "my--app"));
    assert!(e.contains("empty word"), "{e}");
    let e = err(&GOOD.replace("\"data\", \"app_config\"", "\"Bad Label!\""));
    assert!(e.contains("not a valid store label"), "{e}");
    let e = err(&GOOD.replace("hello = ", "bad__name = "));
    assert!(e.contains("single underscores"), "{e}");
}
