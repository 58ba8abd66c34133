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
    // The design's Spin entry point (with the adapter's `#[http_service]`).
    assert!(
        lib.contains(
            "use edgezero_adapter_spin::http_service;\n\
             use spin_sdk::http::{IntoResponse, Request};\n\n\
             #[http_service]\n\
             async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {\n    \
             edgezero_adapter_spin::run_app::<shop_core::App>(req).await\n}\n"
        ),
        "{lib}"
    );
    let spin_cargo =
        std::fs::read_to_string(tmp.path().join("shop/crates/shop-adapter-spin/Cargo.toml"))
            .unwrap();
    for dep in ["anyhow = \"1\"", "spin-sdk = { version = \"~6.0\""] {
        assert!(spin_cargo.contains(dep), "{dep} missing:\n{spin_cargo}");
    }

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

fn new(cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .arg("new")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// `new edgezero` made packages named like the framework's (cargo refused the workspace) and a
/// 250-character name failed half-way: such names are refused before anything is written,
/// with the rule and a valid name to use instead.
#[test]
fn names_that_would_break_the_scaffold_are_refused_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "a".repeat(250);
    let longest = "a".repeat(64);
    for (name, rule, suggestion) in [
        ("edgezero", "edgezero-core", "my-edgezero"),
        ("edgezero-shop", "framework's own", "my-edgezero-shop"),
        (
            long.as_str(),
            "it has 250 characters; the limit is 64",
            longest.as_str(),
        ),
        ("My_Shop", "", "my-shop"),
    ] {
        let out = new(tmp.path(), &[name]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains("not a valid app name")
                && err.contains(rule)
                && err.contains(&format!("e.g. `{suggestion}`"))
                && err.contains("Nothing was written"),
            "{name}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(entries(tmp.path()), Vec::<String>::new(), "{name}");
    }
    let out = new(tmp.path(), &[&longest, "--adapter", "native"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tmp
        .path()
        .join(&longest)
        .join(format!("crates/{longest}-adapter-native/src/main.rs"))
        .is_file());
}

/// A scaffold that fails half-way (here: the deeper files exceed the system's 4096-byte path
/// limit) leaves nothing behind, so the same command works once the cause is gone.
#[test]
fn a_failed_scaffold_leaves_nothing_and_a_retry_works() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let long = "d".repeat(250);
    // A parent 4060 bytes long: `crates/app-adapter-native/Cargo.toml` below it is too long,
    // `.gitignore` and `Cargo.toml` are not.
    let mut parent = base.join(&long);
    while parent.as_os_str().len() + 252 < 4060 {
        parent.push(&long);
    }
    let rest = 4060 - parent.as_os_str().len() - 1;
    parent.push("p".repeat(rest));
    assert_eq!(parent.as_os_str().len(), 4060);
    std::fs::create_dir_all(&parent).unwrap();
    let target = parent.join("app");
    let out = new(
        &base,
        &[
            "app",
            "--adapter",
            "native",
            "--dir",
            target.to_str().unwrap(),
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(entries(&parent), Vec::<String>::new(), "{err}");
    assert!(
        err.contains("nothing was written") && !err.contains("panicked"),
        "{err}"
    );

    // The same command on a shorter path: nothing left over is in the way.
    std::fs::rename(base.join(&long), base.join("s")).unwrap();
    let parent = base
        .join("s")
        .join(parent.strip_prefix(base.join(&long)).unwrap());
    let target = parent.join("app");
    let out = new(
        &base,
        &[
            "app",
            "--adapter",
            "native",
            "--dir",
            target.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(entries(&parent), vec!["app".to_string()]);
    assert!(target
        .join("crates/app-adapter-native/Cargo.toml")
        .is_file());
}

/// Whatever is at the target, even a dangling symlink, stays as it was.
#[test]
fn an_existing_target_is_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("nowhere", tmp.path().join("link")).unwrap();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    for dir in ["link", "empty"] {
        let out = new(tmp.path(), &["app", "--dir", dir]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(&format!("{dir} already exists")), "{err}");
    }
    assert_eq!(
        std::fs::read_link(tmp.path().join("link")).unwrap(),
        Path::new("nowhere")
    );
    assert_eq!(entries(&tmp.path().join("empty")), Vec::<String>::new());
    assert_eq!(entries(tmp.path()), vec!["empty", "link"]);
}
