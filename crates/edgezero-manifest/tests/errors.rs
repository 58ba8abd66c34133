//! Snapshot tests of manifest error messages: each names the file, line, column and key.

use edgezero_manifest::Manifest;

fn error(text: &str) -> String {
    Manifest::parse("edgezero.toml", text)
        .unwrap_err()
        .to_string()
}

#[test]
fn unknown_top_level_key() {
    insta::assert_snapshot!(error("[app]\nname = \"x\"\n[aps]\nname = \"y\"\n"));
}

#[test]
fn unknown_key_in_app() {
    insta::assert_snapshot!(error("[app]\nname = \"x\"\nnmae = \"y\"\n"));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(error("[app]\nname = 42\n"));
}

#[test]
fn missing_app_name() {
    insta::assert_snapshot!(error("[app]\nmiddleware = []\n"));
}

#[test]
fn syntax_error() {
    insta::assert_snapshot!(error("[app]\nname = \"x\n"));
}

#[test]
fn missing_value_has_a_message() {
    insta::assert_snapshot!(error("[app]\nname ="));
}

#[test]
fn default_not_in_ids() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[stores.kv]\nids = [\"sessions\"]\ndefault = \"cache\"\n"
    ));
}

#[test]
fn default_required_with_several_ids() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[stores.kv]\nids = [\"a\", \"b\"]\n"
    ));
}

#[test]
fn bad_store_id() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[stores.config]\nids = [\"app-config\"]\n"
    ));
}

#[test]
fn duplicate_store_id() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[stores.kv]\nids = [\"a\", \"A\"]\ndefault = \"a\"\n"
    ));
}

#[test]
fn bad_method() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/a\"\nmethods = [\"GET\", \"FETCH\"]\nhandler = \"crate::a\"\n"
    ));
}

#[test]
fn star_means_every_method() {
    let m = Manifest::parse(
        "edgezero.toml",
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/a/{*rest}\"\nmethods = [\"GET\", \"*\"]\nhandler = \"crate::a\"\n",
    )
    .unwrap();
    assert_eq!(m.http_triggers[0].methods, ["GET", "*"]);
}

#[test]
fn bad_handler_path() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/a\"\nhandler = \"crate::a-b\"\n"
    ));
}

#[test]
fn colon_params_are_rejected() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/users/:id\"\nhandler = \"crate::a\"\n"
    ));
}

#[test]
fn duplicate_route() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/a\"\nhandler = \"crate::a\"\n[[triggers.http]]\npath = \"/a\"\nhandler = \"crate::b\"\n"
    ));
}

#[test]
fn conflicting_route_params() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/items/{id}\"\nhandler = \"crate::a\"\n[[triggers.http]]\npath = \"/items/{item_id}\"\nmethods = [\"DELETE\"]\nhandler = \"crate::b\"\n"
    ));
}

#[test]
fn conflicting_catch_all() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/f/{name}\"\nhandler = \"crate::a\"\n[[triggers.http]]\npath = \"/f/{*rest}\"\nhandler = \"crate::b\"\n"
    ));
}

#[test]
fn invalid_route_pattern() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/f/{name}.json\"\nhandler = \"crate::a\"\n"
    ));
}

#[test]
fn one_pattern_may_serve_several_triggers() {
    let m = Manifest::parse(
        "edgezero.toml",
        "[app]\nname = \"x\"\n[[triggers.http]]\npath = \"/items/{id}\"\nhandler = \"crate::a\"\n[[triggers.http]]\npath = \"/items/{id}\"\nmethods = [\"DELETE\"]\nhandler = \"crate::b\"\n[[triggers.http]]\npath = \"/items/{id}/tags\"\nhandler = \"crate::c\"\n",
    )
    .unwrap();
    assert_eq!(m.http_triggers.len(), 3);
}

#[test]
fn unknown_adapter() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[adapters.lambda.adapter]\ncrate = \"c\"\n"
    ));
}

#[test]
fn unknown_key_in_adapter() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[adapters.spin.adapter]\ncrate = \"c\"\nmanfest = \"spin.toml\"\n"
    ));
}

#[test]
fn port_out_of_range() {
    insta::assert_snapshot!(error(
        "[app]\nname = \"x\"\n[adapters.native.adapter]\nport = 70000\n"
    ));
}

#[test]
fn full_manifest_parses() {
    let m = Manifest::parse(
        "dir/edgezero.toml",
        r#"
[app]
name = "demo"
middleware = ["crate::mw::log"]

[[triggers.http]]
path = "/kv/{key}"
methods = ["get", "POST"]
handler = "crate::handlers::kv"

[stores.kv]
ids = ["sessions", "cache"]
default = "cache"

[stores.config]
ids = ["app_config"]
file = "config.toml"

[adapters.spin.adapter]
crate = "crates/demo-adapter-spin"
manifest = "crates/demo-adapter-spin/spin.toml"

[adapters.spin.commands]
deploy = "spin cloud deploy"

[environment]
EDGEZERO__LOGGING__LEVEL = "debug"
"#,
    )
    .unwrap();
    assert_eq!(m.app.name, "demo");
    assert_eq!(m.http_triggers[0].methods, ["GET", "POST"]);
    assert_eq!(m.stores.kv.default.as_deref(), Some("cache"));
    assert_eq!(m.stores.config.default.as_deref(), Some("app_config"));
    assert_eq!(m.stores.config.file.as_deref(), Some("config.toml"));
    assert!(m.stores.secrets.ids.is_empty());
    assert_eq!(
        m.adapter("spin").unwrap().commands.deploy.as_deref(),
        Some("spin cloud deploy")
    );
    assert_eq!(m.root(), std::path::Path::new("dir"));
    assert_eq!(m.environment["EDGEZERO__LOGGING__LEVEL"], "debug");
}

#[test]
fn config_files_per_id() {
    let base = "[app]\nname = \"a\"\n[stores.config]\nids = [\"app_config\", \"flags\"]\ndefault = \"app_config\"\nfile = \"c.toml\"\n";
    let m = Manifest::parse(
        "edgezero.toml",
        &format!("{base}files = {{ flags = \"f.toml\" }}\n"),
    )
    .unwrap();
    assert_eq!(m.stores.config.file_for("app_config"), Some("c.toml"));
    assert_eq!(m.stores.config.file_for("flags"), Some("f.toml"));
    let e = Manifest::parse(
        "edgezero.toml",
        &format!("{base}files = {{ other = \"f.toml\" }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("`stores.config.files.other`") && e.contains("not one of the ids"),
        "{e}"
    );
    let e = Manifest::parse(
        "edgezero.toml",
        &format!("{base}files = {{ app_config = \"f.toml\" }}\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("already `file`"), "{e}");
}
