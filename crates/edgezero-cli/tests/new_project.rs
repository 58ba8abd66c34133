//! `edgezero new`: the scaffold's files, and refusing to overwrite (`scaffold_commands.rs` builds, serves and
//! deploys a fresh scaffold).

mod common;

use std::path::Path;
use std::process::Command;

use common::stderr;

fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn scaffold_tree_and_refusal_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["new", "shop"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("scaffold_tree", tree(&tmp.path().join("shop")).join("\n"));
    let lib = std::fs::read_to_string(tmp.path().join("shop/crates/shop-adapter-spin/src/lib.rs"))
        .unwrap();
    assert!(
        lib.contains("edgezero_adapter_spin::component!(shop_core::App);"),
        "{lib}"
    );

    let before = std::fs::read_to_string(tmp.path().join("shop/edgezero.toml")).unwrap();
    let again = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["new", "shop"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("shop/edgezero.toml")).unwrap(),
        before
    );

    let only = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["new", "tiny", "--adapter", "native"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(only.status.success());
    assert!(!tmp.path().join("tiny/crates/tiny-adapter-spin").exists());
    assert!(
        !std::fs::read_to_string(tmp.path().join("tiny/edgezero.toml"))
            .unwrap()
            .contains("adapters.spin")
    );

    let bad = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["new", "Bad_Name"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        stderr(&bad).contains("not a valid app name"),
        "{}",
        stderr(&bad)
    );
}
