//! `edgezero config validate [--strict]` catches each rule with a message naming the fix.

mod common;

use common::{stderr, Project};

fn validate(p: &Project, strict: bool) -> (i32, String) {
    let mut args = vec!["config", "validate"];
    if strict {
        args.push("--strict");
    }
    let out = p.edgezero(&args);
    (out.status.code().unwrap(), stderr(&out))
}

#[test]
fn a_provisioned_project_is_valid_even_when_strict() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ok (strict)"), "{err}");
}

#[test]
fn ungranted_and_undeclared_labels_are_errors() {
    let p = Project::new();
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.app_config]\ntype = \"spin\"\n",
    );
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1);
    assert!(
        err.contains("label `cache` is not in [component.demo].key_value_stores")
            && err.contains("edgezero provision --adapter spin"),
        "{err}"
    );
    assert!(
        err.contains("unknown key_value_stores label \"cache\" for component \"demo\"")
            && err.contains("[key_value_store.cache]"),
        "{err}"
    );
}

#[test]
fn several_components_need_an_explicit_choice() {
    let p = Project::new();
    p.write(
        "spin/spin.toml",
        &format!(
            "{}\n[component.other]\nsource = \"o.wasm\"\n",
            common::SPIN_TOML
        ),
    );
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1);
    assert!(
        err.contains("has 2 components (demo, other)") && err.contains("component = \"demo\""),
        "{err}"
    );
}

#[test]
fn strict_rules() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    let manifest = common::EDGEZERO_TOML
        .replace("ids = [\"default\"]\nnames = [\"api_token\"]", "ids = [\"default\", \"vault\"]\ndefault = \"default\"\nnames = [\"API_Token\", \"api_token\", \"1key\"]");
    p.write("edgezero.toml", &manifest);
    let (code, err) = validate(&p, false);
    assert_eq!(code, 0, "without --strict these are allowed: {err}");
    p.write(
        "spin/spin.toml",
        &p.read("spin/spin.toml").replace(
            "allowed_outbound_hosts = []",
            "allowed_outbound_hosts = []\nenvironment = { EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME = \"cache\" }",
        ),
    );
    let out = p.edgezero(&["config", "validate", "--strict"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("[stores.secrets] declares 2 ids (default, vault)"),
        "{err}"
    );
    assert!(
        err.contains("`API_Token` and `api_token` both lower-case to `api_token`"),
        "{err}"
    );
    assert!(
        err.contains("`1key`, which is not a valid Spin variable name"),
        "{err}"
    );
    assert!(err.contains("[stores.kv] id `cache` and [stores.config] id `app_config` both resolve to the Spin label `cache`"), "{err}");
}

#[test]
fn secrets_missing_from_spin_variables_are_warned() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    p.write(
        "spin/spin.toml",
        &p.read("spin/spin.toml")
            .replace("api_token = \"{{ api_token }}\"", ""),
    );
    let (code, err) = validate(&p, false);
    assert_eq!(code, 0);
    assert!(
        err.contains("warning: secret `api_token` is not a variable of [component.demo]"),
        "{err}"
    );
}

#[test]
fn bad_config_file_is_an_error_with_its_line() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    p.write("config.toml", "a = 1\nb =\n");
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1);
    assert!(err.contains("config.toml:2"), "{err}");
}

#[test]
fn spin_labels_come_from_the_component_not_the_callers_shell() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    // The component never sees the caller's shell: a stray variable there changes nothing.
    let out = p.edgezero_with(&["config", "validate", "--strict"], |c| {
        c.env("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME", "cache");
    });
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_spin_toml_without_component_variables_does_not_panic() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    p.write(
        "spin/spin.toml",
        &p.read("spin/spin.toml").replace(
            "[component.demo.variables]\napi_token = \"{{ api_token }}\"\n",
            "",
        ),
    );
    for strict in [false, true] {
        let (code, err) = validate(&p, strict);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("secret `api_token` is not a variable"),
            "{err}"
        );
    }
}

#[test]
fn spin_files_are_checked_as_strictly_as_the_host_checks_them() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.cache]\ntype = \"spin\"\npaht = \".spin/x.db\"\n",
    );
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("runtime-config.toml:3:") && err.contains("`key_value_store.cache.paht`"),
        "{err}"
    );
    p.write("spin/runtime-config.toml", "");
    p.write(
        "spin/spin.toml",
        &p.read("spin/spin.toml")
            .replace("[component.demo", "[component.demo--x")
            .replace("component = \"demo\"", "component = \"demo--x\""),
    );
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("spin.toml:") && err.contains("not a valid component id"),
        "{err}"
    );
}

#[test]
fn strict_secret_names_follow_spins_runtime_rule() {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    for bad in ["api__token", "token_"] {
        p.write(
            "edgezero.toml",
            &common::EDGEZERO_TOML
                .replace("names = [\"api_token\"]", &format!("names = [\"{bad}\"]")),
        );
        let (code, err) = validate(&p, true);
        assert_eq!(code, 1, "{bad}: {err}");
        assert!(
            err.contains(&format!("`{bad}`, which is not a valid Spin variable name")),
            "{err}"
        );
    }
}
