//! `edgezero config validate` reads every Rust source of the project for `#[secret]` fields:
//! through symlinks (a symlinked crate is checked, a symlink loop ends), and a source it
//! cannot read is an error under `--strict`, since a secret in it would go unchecked.

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;

use common::{stderr, Project};

/// A config type whose secret the config file names `api__token`, which is not a valid
/// Spin variable name: `--strict` must find it wherever the source lives.
const SETTINGS_RS: &str = r#"
#[derive(serde::Deserialize, edgezero_core::AppConfig)]
pub struct Settings {
    #[secret]
    pub api_token: String,
}
"#;

fn provisioned() -> Project {
    let p = Project::new();
    let out = p.edgezero(&["provision", "--adapter", "spin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    p.write("config.toml", "api_token = \"api__token\"\n");
    p
}

fn validate(p: &Project, strict: bool) -> (i32, String) {
    let mut args = vec!["config", "validate"];
    if strict {
        args.push("--strict");
    }
    let out = p.edgezero(&args);
    (out.status.code().unwrap_or(-1), stderr(&out))
}

#[test]
fn strict_reads_a_core_crate_that_is_a_symlinked_directory() {
    let p = provisioned();
    // The crate lives outside the project; the project links it in.
    let elsewhere = tempfile::tempdir().unwrap();
    let src = elsewhere.path().join("demo-core/src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("settings.rs"), SETTINGS_RS).unwrap();
    std::fs::create_dir_all(p.path("crates")).unwrap();
    symlink(
        elsewhere.path().join("demo-core"),
        p.path("crates/demo-core"),
    )
    .unwrap();
    // A loop back to the project root and a second way to the same crate: each is read once.
    symlink(p.dir.path(), p.path("crates/demo-core-loop")).unwrap();
    symlink(p.path("crates/demo-core"), p.path("crates/again")).unwrap();

    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`api_token` (#[secret] field Settings.api_token in ")
            && err.contains("read as the Spin variable `api__token`"),
        "{err}"
    );
    assert_eq!(
        err.matches("#[secret] field Settings.api_token").count(),
        1,
        "the crate is read once, not once per way to it: {err}"
    );
}

#[test]
fn a_source_that_is_not_utf8_is_an_error_under_strict_and_a_warning_without() {
    let p = provisioned();
    p.write("config.toml", "api_token = \"api_token\"\n");
    let bad = p.path("crates/demo-core/src/latin1.rs");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, b"// caf\xe9\npub struct X;\n").unwrap();

    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: ")
            && err.contains("latin1.rs is not UTF-8")
            && err.contains("re-save it as UTF-8"),
        "{err}"
    );
    let (code, err) = validate(&p, false);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: ") && err.contains("latin1.rs is not UTF-8"),
        "{err}"
    );
}

#[test]
fn a_source_symlink_that_leads_nowhere_is_an_error_under_strict() {
    let p = provisioned();
    p.write("config.toml", "api_token = \"api_token\"\n");
    std::fs::create_dir_all(p.path("crates/demo-core/src")).unwrap();
    symlink(
        p.path("crates/demo-core/src/gone.rs"),
        p.path("crates/demo-core/src/settings.rs"),
    )
    .unwrap();
    symlink("looped.rs", p.path("crates/demo-core/src/looped.rs")).unwrap();

    let (code, err) = validate(&p, true);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("settings.rs is a symlink to ")
            && err.contains("gone.rs, which does not exist")
            && err.contains("fix the link or remove it"),
        "{err}"
    );
    assert!(err.contains("looped.rs is a symlink loop (ELOOP"), "{err}");
}
