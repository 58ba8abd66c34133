//! A spin.toml with several components: `build` builds each (the EdgeZero component by
//! EdgeZero, the others by their `[component.<id>.build]`), and `config validate`,
//! `provision` and `config push` work on the whole app, via the real binary.

mod common;

use common::{stderr, Project};

/// `demo` is the EdgeZero app (built by `[adapters.spin.commands].build`), `admin` a
/// component built by its own command in `admin/`, `assets` a prebuilt file. `admin` comes
/// after `demo` in the file but before it alphabetically.
const SPIN_TOML: &str = r#"spin_manifest_version = 2

[application]
name = "shop"

[variables]
api_token = { required = true, secret = true }

[[trigger.http]]
route = "/..."
component = "demo"

[[trigger.http]]
route = "/admin/..."
component = "admin"

[[trigger.http]]
route = "/assets/..."
component = "assets"

[component.demo]
source = "out/demo.wasm"
key_value_stores = ["default", "cache", "app_config"]
allowed_outbound_hosts = []

[component.demo.variables]
api_token = "{{ api_token }}"

[component.admin]
source = "admin/target/admin.wasm"
key_value_stores = ["default"]
allowed_outbound_hosts = []

[component.admin.build]
command = ["mkdir -p target", "pwd > target/admin.wasm"]
workdir = "admin"

[component.assets]
source = "assets.wasm"
"#;

/// The EdgeZero build: records that it ran and writes demo's `source`.
const EDGEZERO_BUILD: &str =
    "[adapters.spin.commands]\nbuild = \"echo ran >> edgezero-build.log && mkdir -p spin/out && echo wasm > spin/out/demo.wasm\"\n";

fn project(component: Option<&str>) -> Project {
    let p = Project::new();
    p.write("spin/spin.toml", SPIN_TOML);
    p.write("spin/assets.wasm", "prebuilt");
    p.write("spin/admin/.keep", "");
    let named = component.map_or(String::new(), |c| format!("component = \"{c}\"\n"));
    p.write(
        "edgezero.toml",
        &format!("{}{named}\n{EDGEZERO_BUILD}", common::EDGEZERO_TOML),
    );
    p
}

fn ok(out: &std::process::Output) -> String {
    let err = stderr(out);
    assert!(out.status.success(), "{err}");
    err
}

fn fails(out: &std::process::Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn build_builds_every_component_in_the_order_of_spin_toml() {
    let p = project(Some("demo"));
    let err = ok(&p.edgezero(&["build", "--adapter", "spin"]));
    // The EdgeZero component by EdgeZero's build, the other by its own commands, in its
    // workdir (relative to spin.toml), one after the other.
    assert_eq!(p.read("edgezero-build.log"), "ran\n");
    let admin_dir = p.path("spin/admin").canonicalize().unwrap();
    assert_eq!(
        p.read("spin/admin/target/admin.wasm").trim(),
        admin_dir.display().to_string()
    );
    let demo = err.find("building component demo (EdgeZero)").expect(&err);
    let step1 = err
        .find("building component admin (step 1/2): `mkdir -p target`")
        .expect(&err);
    let step2 = err
        .find("building component admin (step 2/2): `pwd > target/admin.wasm`")
        .expect(&err);
    assert!(demo < step1 && step1 < step2, "{err}");
    assert!(
        err.contains("component assets has no [component.assets.build] command; not built"),
        "{err}"
    );
    // One line per component.
    let summary: Vec<&str> = err.lines().rev().take(3).collect();
    assert!(
        summary[2].starts_with("demo    built    ")
            && summary[2].ends_with("spin/out/demo.wasm")
            && summary[1].starts_with("admin   built    ")
            && summary[1].ends_with("spin/admin/target/admin.wasm")
            && summary[0].starts_with("assets  prebuilt ")
            && summary[0].ends_with("spin/assets.wasm"),
        "{err}"
    );
}

#[test]
fn build_component_builds_only_that_component() {
    let p = project(Some("demo"));
    let err = ok(&p.edgezero(&["build", "--adapter", "spin", "--component", "admin"]));
    assert!(p.path("spin/admin/target/admin.wasm").is_file());
    assert!(!p.path("edgezero-build.log").exists(), "{err}");
    assert!(!err.contains("demo") && !err.contains("assets"), "{err}");
    let err = ok(&p.edgezero(&["build", "--adapter", "spin", "--component", "demo"]));
    assert_eq!(p.read("edgezero-build.log"), "ran\n");
    assert!(!err.contains("admin"), "{err}");
}

#[test]
fn an_unknown_component_is_an_error_listing_the_ids() {
    let p = project(Some("demo"));
    let err = fails(&p.edgezero(&["build", "--adapter", "spin", "--component", "shop"]));
    assert!(
        err.contains("has no component `shop`; its components are: demo, admin, assets"),
        "{err}"
    );
    assert!(!p.path("edgezero-build.log").exists());
    let err = fails(&p.edgezero(&["build", "--adapter", "native", "--component", "admin"]));
    assert!(err.contains("option of --adapter spin"), "{err}");
}

#[test]
fn a_missing_source_names_the_component_and_the_path() {
    let p = project(Some("demo"));
    p.write(
        "spin/spin.toml",
        &SPIN_TOML.replace("\"pwd > target/admin.wasm\"", "\"true\""),
    );
    std::fs::remove_file(p.path("spin/assets.wasm")).unwrap();
    let err = fails(&p.edgezero(&["build", "--adapter", "spin"]));
    assert!(
        err.contains("the build of component admin succeeded but ")
            && err.contains("spin/admin/target/admin.wasm (the `source` of [component.admin]"),
        "{err}"
    );
    assert!(
        err.contains("component assets has no build command and its `source` ")
            && err.contains("spin/assets.wasm does not exist")
            && err.contains("[component.assets.build]\ncommand = "),
        "{err}"
    );
}

#[test]
fn a_failing_build_command_stops_the_build_and_names_the_component() {
    let p = project(Some("demo"));
    p.write(
        "spin/spin.toml",
        &SPIN_TOML
            .replace("\"mkdir -p target\"", "\"exit 3\"")
            .replace("[component.assets]\nsource = \"assets.wasm\"", "[component.assets]\nsource = \"assets.wasm\"\n[component.assets.build]\ncommand = \"touch assets-built\""),
    );
    let err = fails(&p.edgezero(&["build", "--adapter", "spin"]));
    assert!(
        err.contains("the build command of component admin failed") && err.contains("`exit 3` in "),
        "{err}"
    );
    assert!(
        !p.path("spin/assets-built").exists(),
        "later components are not built"
    );
    assert!(
        p.path("edgezero-build.log").exists(),
        "demo comes first: {err}"
    );
    std::fs::remove_file(p.path("edgezero-build.log")).unwrap();
    // A workdir must be relative, as `spin build` requires; checked before anything runs.
    p.write(
        "spin/spin.toml",
        &SPIN_TOML.replace("workdir = \"admin\"", "workdir = \"/tmp\""),
    );
    let err = fails(&p.edgezero(&["build", "--adapter", "spin"]));
    assert!(
        err.contains("[component.admin.build].workdir = \"/tmp\" must be relative"),
        "{err}"
    );
    assert!(!p.path("edgezero-build.log").exists(), "nothing ran: {err}");
}

#[test]
fn without_a_named_component_every_component_builds_with_its_own_command() {
    let p = project(None);
    let err = fails(&p.edgezero(&["build", "--adapter", "spin"]));
    // Nothing says demo is the EdgeZero app: EdgeZero's build is not run, admin is built,
    // and demo's missing file says which line would make EdgeZero build it.
    assert!(!p.path("edgezero-build.log").exists(), "{err}");
    assert!(p.path("spin/admin/target/admin.wasm").is_file(), "{err}");
    assert!(
        err.contains("component demo has no build command")
            && err.contains(
                "if it is the EdgeZero app, add\n\ncomponent = \"demo\"\n\nunder [adapters.spin.adapter] in "
            ),
        "{err}"
    );
    // The component whose `source` is the file of [adapters.spin.adapter].crate is the
    // EdgeZero component.
    p.write(
        "crates/demo-adapter-spin/Cargo.toml",
        "[package]\nname = \"demo-adapter-spin\"\nversion = \"0.1.0\"\n",
    );
    p.write(
        "edgezero.toml",
        &format!(
            "{}crate = \"crates/demo-adapter-spin\"\n\n{}",
            common::EDGEZERO_TOML,
            EDGEZERO_BUILD.replace("demo.wasm", "demo_adapter_spin.wasm")
        ),
    );
    p.write(
        "spin/spin.toml",
        &SPIN_TOML.replace("out/demo.wasm", "out/demo_adapter_spin.wasm"),
    );
    let err = ok(&p.edgezero(&["build", "--adapter", "spin"]));
    assert!(err.contains("building component demo (EdgeZero)"), "{err}");
    assert_eq!(p.read("edgezero-build.log"), "ran\n");
}

#[test]
fn the_edgezero_component_without_an_edgezero_build_uses_its_own_command() {
    let p = project(None);
    p.write(
        "edgezero.toml",
        &format!("{}component = \"admin\"\n", common::EDGEZERO_TOML),
    );
    let err = ok(&p.edgezero(&["build", "--adapter", "spin", "--component", "admin"]));
    assert!(p.path("spin/admin/target/admin.wasm").is_file(), "{err}");
    // With neither, the error says what to add.
    p.write(
        "edgezero.toml",
        &format!("{}component = \"demo\"\n", common::EDGEZERO_TOML),
    );
    let err = fails(&p.edgezero(&["build", "--adapter", "spin"]));
    assert!(
        err.contains(
            "[component.demo] is the EdgeZero component and has no [component.demo.build]"
        ) && err.contains("has no `crate`; add crate = "),
        "{err}"
    );
}

fn validate(p: &Project, strict: bool) -> (i32, String) {
    let mut args = vec!["config", "validate"];
    if strict {
        args.push("--strict");
    }
    let out = p.edgezero(&args);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    (out.status.code().unwrap(), stderr(&out))
}

#[test]
fn validate_takes_the_whole_app_when_no_component_is_named() {
    let p = project(None);
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ok (strict)"), "{err}");
    // A label that only `admin` grants still counts: the store is the app's.
    p.write(
        "spin/spin.toml",
        &SPIN_TOML
            .replace(
                "[\"default\", \"cache\", \"app_config\"]",
                "[\"default\", \"app_config\"]",
            )
            .replace(
                "source = \"admin/target/admin.wasm\"\nkey_value_stores = [\"default\"]",
                "source = \"admin/target/admin.wasm\"\nkey_value_stores = [\"default\", \"cache\"]",
            ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn validate_strict_names_each_components_problems() {
    let p = project(None);
    let spin = SPIN_TOML
        .replace(
            "[\"default\", \"cache\", \"app_config\"]",
            "[\"default\", \"cache\"]",
        )
        .replace(
            "source = \"admin/target/admin.wasm\"\nkey_value_stores = [\"default\"]\nallowed_outbound_hosts = []",
            "source = \"admin/target/admin.wasm\"\nkey_value_stores = [\"default\", \"sessions\"]\nallowed_outbound_hosts = [\"example.com\"]",
        )
        .replace(
            "[component.assets]\nsource = \"assets.wasm\"",
            "[component.assets]\nsource = \"assets.wasm\"\nallowed_outbound_hosts = [\"https://*.example.com:99999\"]",
        );
    p.write("spin/spin.toml", &spin);
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    // Stores: a label of `admin` that runtime-config.toml does not declare.
    assert!(
        err.contains("label `sessions` has no stanza")
            && err.contains("unknown key_value_stores label \"sessions\" for component \"admin\"")
            && err.contains("[key_value_store.sessions]"),
        "{err}"
    );
    // Labels: the app's `app_config` is granted to no component.
    assert!(
        err.contains("label `app_config` is in the key_value_stores of no component of ")
            && err.contains("(demo, admin, assets)")
            && err.contains("add\n\ncomponent = \"demo\"\n\nunder [adapters.spin.adapter] in "),
        "{err}"
    );
    // Outbound hosts of each component.
    assert!(
        err.contains("[component.admin].allowed_outbound_hosts") && err.contains("no scheme"),
        "{err}"
    );
    assert!(
        err.contains("[component.assets].allowed_outbound_hosts"),
        "{err}"
    );
    assert!(
        !err.contains("[component.demo].allowed_outbound_hosts"),
        "{err}"
    );
    assert!(err.contains("4 problem(s)"), "{err}");
}

#[test]
fn validate_strict_names_the_components_for_variables() {
    let p = project(None);
    p.write(
        "spin/spin.toml",
        &SPIN_TOML.replace(
            "[component.demo.variables]\napi_token = \"{{ api_token }}\"\n",
            "",
        ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "a warning, as with one component: {err}");
    assert!(
        err.contains("warning: secret `api_token` is not a variable of any component (demo, admin, assets) in ")
            && err.contains("under [component.<id>.variables] of the component that reads it"),
        "{err}"
    );
    // Mapped into any component, it is found.
    p.write(
        "spin/spin.toml",
        &SPIN_TOML
            .replace("[component.demo.variables]\napi_token = \"{{ api_token }}\"\n", "")
            .replace(
                "[component.admin.build]",
                "[component.admin.variables]\napi_token = \"{{ api_token }}\"\n\n[component.admin.build]",
            ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

/// `admin` reads [stores.config] id `app_config` from another label than `demo` does.
fn disagreeing(p: &Project) {
    p.write(
        "spin/spin.toml",
        &SPIN_TOML.replace(
            "key_value_stores = [\"default\"]\nallowed_outbound_hosts = []",
            "key_value_stores = [\"default\", \"settings\"]\nallowed_outbound_hosts = []\nenvironment = { EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME = \"settings\" }",
        ),
    );
    p.write(
        "spin/runtime-config.toml",
        &format!(
            "{}\n[key_value_store.settings]\ntype = \"spin\"\npath = \".spin/settings.db\"\n",
            p.read("spin/runtime-config.toml")
        ),
    );
}

#[test]
fn config_push_needs_a_named_component_only_when_components_disagree() {
    let p = project(None);
    let err = ok(&p.edgezero(&["config", "push", "--adapter", "spin", "--local"]));
    assert!(err.contains("label `app_config`"), "{err}");
    let db = p.path("spin/.spin/sqlite_key_value.db");
    assert_eq!(common::rows(&db, "app_config").len(), 2);

    disagreeing(&p);
    std::fs::remove_file(&db).unwrap();
    let err = fails(&p.edgezero(&["config", "push", "--adapter", "spin", "--local"]));
    assert!(
        err.contains("has 3 components (demo, admin, assets)")
            && err.contains("`app_config` in [component.demo], `settings` in [component.admin]")
            && err.contains("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME")
            && err.contains("say which one is the EdgeZero app: add\n\ncomponent = \"demo\"\n\nunder [adapters.spin.adapter] in "),
        "{err}"
    );
    assert!(!db.exists(), "nothing may be written before the error");
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("opens a different label in each"), "{err}");

    // Naming the component settles it: admin's environment no longer matters.
    p.write(
        "edgezero.toml",
        &format!(
            "{}component = \"admin\"\n\n{EDGEZERO_BUILD}",
            common::EDGEZERO_TOML
        ),
    );
    let err = ok(&p.edgezero(&["config", "push", "--adapter", "spin", "--local"]));
    assert!(err.contains("label `settings`"), "{err}");
    assert_eq!(
        common::rows(&p.path("spin/.spin/settings.db"), "settings").len(),
        2
    );
}

#[test]
fn provision_leaves_shared_labels_and_asks_which_component_gets_a_new_one() {
    let p = project(None);
    let before = p.read("spin/spin.toml");
    let err = ok(&p.edgezero(&["provision", "--adapter", "spin"]));
    assert!(
        err.contains("default is granted to demo, admin; cache is granted to demo; app_config is granted to demo; nothing to change"),
        "{err}"
    );
    assert_eq!(p.read("spin/spin.toml"), before);

    // `cache` is granted nowhere: provision cannot guess the component.
    let spin = SPIN_TOML.replace(
        "[\"default\", \"cache\", \"app_config\"]",
        "[\"default\", \"app_config\"]",
    );
    p.write("spin/spin.toml", &spin);
    let err = fails(&p.edgezero(&["provision", "--adapter", "spin", "--dry-run"]));
    assert!(
        err.contains("none of them has cache in key_value_stores")
            && err.contains("add\n\ncomponent = \"demo\"\n\nunder [adapters.spin.adapter] in "),
        "{err}"
    );
    assert_eq!(p.read("spin/spin.toml"), spin);

    // Named, the label goes to that component only.
    p.write(
        "edgezero.toml",
        &format!(
            "{}component = \"demo\"\n\n{EDGEZERO_BUILD}",
            common::EDGEZERO_TOML
        ),
    );
    let err = ok(&p.edgezero(&["provision", "--adapter", "spin"]));
    assert!(
        err.contains("added cache to [component.demo].key_value_stores"),
        "{err}"
    );
    let after = p.read("spin/spin.toml");
    assert!(
        after.contains("key_value_stores = [\"default\", \"app_config\", \"cache\"]")
            && after.contains(
                "source = \"admin/target/admin.wasm\"\nkey_value_stores = [\"default\"]\n"
            ),
        "{after}"
    );
}
