//! `--help` of every command: snapshotted, and docs/cli.md is generated from it.
//!
//! Regenerate docs/cli.md after changing a command: `EDGEZERO_BLESS=1 cargo test -p edgezero-cli --test help`.

use std::path::Path;
use std::process::Command;

const COMMANDS: &[&[&str]] = &[
    &[],
    &["new"],
    &["build"],
    &["serve"],
    &["deploy"],
    &["provision"],
    &["config"],
    &["config", "push"],
    &["config", "validate"],
];

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "edgezero {} --help failed",
        args.join(" ")
    );
    String::from_utf8(out.stdout).unwrap()
}

fn reference() -> String {
    let mut doc = String::from(
        "# `edgezero` command reference\n\nGenerated from `--help` by `crates/edgezero-cli/tests/help.rs`; a test fails when it is out of date.\n",
    );
    for args in COMMANDS {
        let title = if args.is_empty() {
            "edgezero".to_string()
        } else {
            format!("edgezero {}", args.join(" "))
        };
        doc.push_str(&format!("\n## `{title}`\n\n```text\n{}```\n", help(args)));
    }
    doc
}

#[test]
fn help_snapshots() {
    for args in COMMANDS {
        let name = if args.is_empty() {
            "edgezero".to_string()
        } else {
            args.join("_")
        };
        insta::assert_snapshot!(format!("help_{name}"), help(args));
    }
}

#[test]
fn every_command_has_examples() {
    for args in COMMANDS
        .iter()
        .filter(|a| !a.is_empty() && **a != ["config"])
    {
        assert!(
            help(args).contains("Examples:"),
            "edgezero {} --help has no examples",
            args.join(" ")
        );
    }
}

#[test]
fn cli_reference_matches_help() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
    let expected = reference();
    if std::env::var_os("EDGEZERO_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/cli.md is out of date; run `EDGEZERO_BLESS=1 cargo test -p edgezero-cli --test help`"
    );
}
