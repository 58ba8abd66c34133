//! `edgezero new` → the generated project's tests pass → its Spin crate builds a component.

mod common;

use std::path::Path;
use std::process::Command;

use common::stderr;

fn repo_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

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
        lib.contains("edgezero_adapter_spin::run_app::<App>(req).await")
            && lib.contains("#[http_service]"),
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

#[test]
fn generated_project_tests_pass_and_spin_crate_builds() {
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["new", "demo"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let demo = tmp.path().join("demo");
    let cargo_toml = std::fs::read_to_string(demo.join("crates/demo-core/Cargo.toml")).unwrap();
    assert!(
        cargo_toml.contains(&format!(
            "path = \"{}/crates/edgezero-core\"",
            root.display()
        )),
        "{cargo_toml}"
    );

    // Reuse this repository's resolved versions and build artifacts.
    std::fs::copy(root.join("Cargo.lock"), demo.join("Cargo.lock")).unwrap();
    let test = Command::new(env!("CARGO"))
        .args(["test", "--quiet"])
        .current_dir(&demo)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "generated project tests failed:\n{}\n{}",
        String::from_utf8_lossy(&test.stdout),
        stderr(&test)
    );

    let spin_dir = demo.join("crates/demo-adapter-spin");
    let spin_toml = spin_dir.join("spin.toml");
    let wasm_dir = root.join("target/wasm");
    let text = std::fs::read_to_string(&spin_toml).unwrap().replace(
        "source = \"target/wasm32-wasip2/release/demo_adapter_spin.wasm\"",
        &format!(
            "source = \"{}/wasm32-wasip2/release/demo_adapter_spin.wasm\"",
            wasm_dir.display()
        ),
    );
    std::fs::write(&spin_toml, text).unwrap();
    let lock = root.join("examples/counter/crates/counter-adapter-spin/Cargo.lock");
    std::fs::copy(lock, spin_dir.join("Cargo.lock")).unwrap();
    let build = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(["build", "--adapter", "spin"])
        .current_dir(&demo)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "spin build failed:\n{}",
        stderr(&build)
    );
    let wasm =
        std::fs::read(wasm_dir.join("wasm32-wasip2/release/demo_adapter_spin.wasm")).unwrap();
    assert_eq!(
        &wasm[..8],
        b"\0asm\x0d\x00\x01\x00",
        "the artifact must be a component, not a core module"
    );
}
