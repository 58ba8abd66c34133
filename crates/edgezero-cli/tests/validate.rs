//! `edgezero config validate [--strict]` catches each rule with a message naming the fix.

mod common;

use common::{stderr, Project};

/// A fresh scaffold with its Spin stores provisioned.
fn provisioned() -> Project {
    let p = Project::new();
    assert!(p
        .edgezero(&["provision", "--adapter", "spin"])
        .status
        .success());
    p
}

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
    let p = provisioned();
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
fn several_components_without_a_named_one_are_checked_as_one_app() {
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
        err.contains("label `cache` is in the key_value_stores of no component of ")
            && err.contains("(demo, other)")
            && err.contains("add\n\ncomponent = \"demo\"\n\nunder [adapters.spin.adapter] in "),
        "{err}"
    );
    // Provision cannot tell which component should get them; once some component grants
    // every label, the app is valid.
    let out = p.edgezero(&["provision", "--adapter", "spin"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    p.write(
        "spin/spin.toml",
        &p.read("spin/spin.toml").replace(
            "key_value_stores = [\"default\"]",
            "key_value_stores = [\"default\", \"cache\", \"app_config\"]",
        ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn strict_rules() {
    let p = provisioned();
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
    let p = provisioned();
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
    let p = provisioned();
    p.write("config.toml", "a = 1\nb =\n");
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1);
    assert!(err.contains("config.toml:2"), "{err}");
}

#[test]
fn spin_labels_come_from_the_component_not_the_callers_shell() {
    let p = provisioned();
    // The component never sees the caller's shell: a stray variable there changes nothing.
    let out = p.edgezero_with(&["config", "validate", "--strict"], |c| {
        c.env("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME", "cache");
    });
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_spin_toml_without_component_variables_does_not_panic() {
    let p = provisioned();
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
    let p = provisioned();
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
    let p = provisioned();
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

/// Config types of the demo project: the CLI learns the secrets from these sources.
const SETTINGS_RS: &str = r#"
#[derive(serde::Deserialize, edgezero_core::AppConfig)]
pub struct Settings {
    pub service: Service,
    #[secret]
    pub api_token: String,
    #[secret]
    pub webhook_key: Option<String>,
}

#[derive(serde::Deserialize, edgezero_core::AppConfig)]
pub struct Service {
    pub timeout_ms: u64,
    #[secret]
    pub key: Option<String>,
}
"#;

fn typed_project(config: &str) -> Project {
    let p = provisioned();
    p.write("crates/demo-core/src/settings.rs", SETTINGS_RS);
    // Sources under target/ and hidden directories are not the project's.
    p.write(
        "target/x/bad.rs",
        &SETTINGS_RS.replace("api_token", "other"),
    );
    p.write(".git/x/bad.rs", &SETTINGS_RS.replace("api_token", "other"));
    p.write("config.toml", config);
    p
}

const GOOD_CONFIG: &str = "api_token = \"API_TOKEN\"\n[service]\ntimeout_ms = 2500\n";

#[test]
fn secret_fields_found_in_the_sources_pass_when_declared() {
    let p = typed_project(GOOD_CONFIG);
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("ok (strict)") && !err.contains("warning"),
        "{err}"
    );
}

#[test]
fn a_secret_name_that_is_no_spin_variable_name_is_an_error_naming_file_line_and_field() {
    let p = typed_project("[service]\ntimeout_ms = 2500\n\napi_token = \"api__token\"\n");
    // TOML puts `api_token` in [service] here: the field's entry is then missing.
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("has no entry `api_token`") && err.contains("Settings.api_token"),
        "{err}"
    );
    p.write(
        "config.toml",
        "\napi_token = \"api__token\"\n[service]\ntimeout_ms = 2500\n",
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("config.toml:2: `api_token` (#[secret] field Settings.api_token in ")
            && err.contains("settings.rs)")
            && err.contains(
                "read as the Spin variable `api__token`, which is not a valid Spin variable name"
            ),
        "{err}"
    );
    let (code, _) = validate(&p, false);
    assert_eq!(code, 0, "the name rules are --strict rules");
}

#[test]
fn two_spellings_of_one_secret_collide() {
    let p = typed_project(&format!("{GOOD_CONFIG}key = \"Api_Token\"\n"));
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("config.toml:4: `service.key` (#[secret] field Service.key in ")
            && err.contains("names the secret `Api_Token` and ")
            && err.contains("config.toml:1: `api_token` (#[secret] field Settings.api_token")
            && err.contains("names `API_TOKEN`: both lower-case to the Spin variable `api_token`"),
        "{err}"
    );
    // The same spelling twice is one secret read by two fields.
    p.write(
        "config.toml",
        &format!("{GOOD_CONFIG}key = \"API_TOKEN\"\n"),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
}

/// Follows a fix the way its text says: a line "under the [T] table that spin.toml already
/// has" goes right below that header, "this table to spin.toml" goes at the end.
fn apply_fix(spin_toml: &str, message: &str) -> String {
    let mut out = spin_toml.to_string();
    let mut rest = message;
    loop {
        let under = rest.find("this line under the [");
        let table = rest.find("this table to spin.toml:\n\n");
        match (under, table) {
            (Some(at), t) if t.is_none_or(|t| at < t) => {
                let after = &rest[at + "this line under the ".len()..];
                let header = &after[..after.find(']').unwrap() + 1];
                let body = &after[after.find(":\n\n").unwrap() + 3..];
                let line = &body[..body.find('\n').unwrap()];
                let at_header = out.find(&format!("{header}\n")).expect(header) + header.len() + 1;
                out.insert_str(at_header, &format!("{line}\n"));
                rest = &body[line.len()..];
            }
            (_, Some(at)) => {
                let body = &rest[at + "this table to spin.toml:\n\n".len()..];
                let mut lines = body.lines();
                let (header, line) = (lines.next().unwrap(), lines.next().unwrap());
                out.push_str(&format!("\n{header}\n{line}\n"));
                rest = &body[header.len() + line.len() + 1..];
            }
            _ => return out,
        }
    }
}

#[test]
fn secrets_must_be_declared_and_mapped_in_spin_toml() {
    let p = typed_project(&format!("{GOOD_CONFIG}key = \"svc_key\"\n"));
    let original = p.read("spin/spin.toml");
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("config.toml:4: `service.key` (#[secret] field Service.key")
            && err.contains("declares no variable `svc_key`; add this line under the [variables] table that spin.toml already has:\n\nsvc_key = { default = \"\", secret = true }\nand this line under the [component.demo.variables] table that spin.toml already has:\n\nsvc_key = \"{{ svc_key }}\"\n"),
        "{err}"
    );
    let (code, err) = validate(&p, false);
    assert_eq!(code, 0, "without --strict it is a warning: {err}");
    assert!(
        err.contains("warning: ") && err.contains("no variable `svc_key`"),
        "{err}"
    );
    // Doing what the message says gives a valid spin.toml that passes.
    let (_, err) = validate(&p, true);
    p.write("spin/spin.toml", &apply_fix(&original, &err));
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "the fix as printed: {err}");

    // Declared but not mapped: only the mapping is asked for.
    p.write(
        "spin/spin.toml",
        &original.replace(
            "[variables]\n",
            "[variables]\nsvc_key = { default = \"\", secret = true }\n",
        ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the variable `svc_key` is not mapped into [component.demo]")
            && err.contains("add this line under the [component.demo.variables] table that spin.toml already has:\n\nsvc_key = \"{{ svc_key }}\"\n")
            && !err.contains("\n[variables]"),
        "{err}"
    );
    p.write(
        "spin/spin.toml",
        &apply_fix(&p.read("spin/spin.toml"), &err),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_secret_fix_adds_the_tables_spin_toml_lacks_and_respects_inline_ones() {
    let p = typed_project(&format!("{GOOD_CONFIG}key = \"svc_key\"\n"));
    // A spin.toml whose component maps its variables inline and that has [variables] only
    // for api_token, written inline too.
    let inline = p
        .read("spin/spin.toml")
        .replace(
            "[component.demo.variables]\napi_token = \"{{ api_token }}\"\n",
            "",
        )
        .replace(
            "[component.demo]\n",
            "[component.demo]\nvariables = { api_token = \"{{ api_token }}\" }\n",
        );
    assert!(!inline.contains("[component.demo.variables]"), "{inline}");
    p.write("spin/spin.toml", &inline);
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "`svc_key = \"{{ svc_key }}\"` inside the braces of the inline `variables = { ... }`"
        ),
        "{err}"
    );
    assert!(!err.contains("[component.demo.variables]"), "{err}");
}

#[test]
fn fixes_for_several_secrets_without_the_tables_create_each_table_once() {
    let p = typed_project(&format!("{GOOD_CONFIG}key = \"svc_key\"\n"));
    // Neither [variables] nor [component.demo.variables]: api_token and svc_key both miss.
    let bare = p
        .read("spin/spin.toml")
        .replace(
            "[variables]\napi_token = { required = true, secret = true }\n",
            "",
        )
        .replace(
            "[component.demo.variables]\napi_token = \"{{ api_token }}\"\n",
            "",
        );
    p.write("spin/spin.toml", &bare);
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err.matches("this table to spin.toml:\n\n[variables]\n")
            .count(),
        1,
        "{err}"
    );
    assert_eq!(
        err.matches("under the [variables] table added above")
            .count(),
        1,
        "{err}"
    );
    let fixed = apply_fix(&bare, &err);
    assert_eq!(fixed.matches("[variables]").count(), 1, "{fixed}");
    p.write("spin/spin.toml", &fixed);
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "the fixes as printed: {err}\n{fixed}");
}

#[test]
fn secret_fields_need_exactly_one_secret_store_on_spin() {
    let p = typed_project(GOOD_CONFIG);
    p.write(
        "edgezero.toml",
        &common::EDGEZERO_TOML.replace(
            "ids = [\"default\"]\nnames = [\"api_token\"]",
            "ids = [\"default\", \"vault\"]\ndefault = \"default\"",
        ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("[stores.secrets] declares 2 ids (default, vault)"),
        "{err}"
    );
    p.write(
        "edgezero.toml",
        &common::EDGEZERO_TOML.replace(
            "[stores.secrets]\nids = [\"default\"]\nnames = [\"api_token\"]\n",
            "",
        ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("is a #[secret] field, but") && err.contains("declares no secret store"),
        "{err}"
    );
}

#[test]
fn strict_checks_outbound_hosts_and_fermyon_cloud_labels() {
    let p = provisioned();
    p.write(
        "spin/spin.toml",
        &p.read("spin/spin.toml").replace(
            "allowed_outbound_hosts = []",
            "allowed_outbound_hosts = [\"example.com\"]",
        ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("allowed_outbound_hosts") && err.contains("no scheme"),
        "{err}"
    );
    p.write(
        "spin/spin.toml",
        &p.read("spin/spin.toml")
            .replace("[\"example.com\"]", "[\"https://example.com\"]"),
    );
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\ndeploy = \"spin cloud deploy\"\n",
            common::EDGEZERO_TOML
        ),
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Fermyon Cloud") && err.contains("label `cache`"),
        "{err}"
    );
}

/// The project with a Fastly app whose fastly.toml declares nothing yet.
fn fastly_project() -> Project {
    let p = provisioned();
    let manifest = p.read("edgezero.toml")
        + "\n[adapters.fastly.adapter]\ncrate = \"fastly\"\nmanifest = \"fastly/fastly.toml\"\n";
    p.write("edgezero.toml", &manifest);
    p.write(
        "fastly/fastly.toml",
        "# my service\nmanifest_version = 3\nname = \"demo\"\n",
    );
    p
}

#[test]
fn fastly_stores_missing_from_fastly_toml_are_warned_then_errors_when_strict() {
    let p = fastly_project();
    let (code, err) = validate(&p, false);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("[stores.kv] id `cache` has no Fastly store `cache`"),
        "{err}"
    );
    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    for stanza in [
        "[local_server.kv_stores]\ncache = []",
        "[setup.kv_stores.cache]",
        "[setup.config_stores.app_config]",
        "[setup.secret_stores.default]",
    ] {
        assert!(err.contains(stanza), "{stanza}:\n{err}");
    }
    // What provision writes is what validate asks for; a second provision changes nothing.
    let out = p.edgezero(&["provision", "--adapter", "fastly"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = p.read("fastly/fastly.toml");
    assert!(written.starts_with("# my service\n"), "{written}");
    let (code, err) = validate(&p, true);
    assert_eq!(code, 0, "{err}");
    let out = p.edgezero(&["provision", "--adapter", "fastly"]);
    assert!(stderr(&out).contains("nothing to do"), "{}", stderr(&out));
    assert_eq!(p.read("fastly/fastly.toml"), written);
}

#[test]
fn a_store_name_fastly_refuses_is_an_error() {
    let p = fastly_project();
    let manifest = p.read("edgezero.toml").replace(
        "[app]\nname = \"demo\"\n",
        "[app]\nname = \"demo\"\n\n[environment]\nEDGEZERO__STORES__KV__CACHE__NAME = \"my cache\"\n",
    );
    p.write("edgezero.toml", &manifest);
    let (code, err) = validate(&p, false);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("store name `my cache` has ' '"), "{err}");
}
