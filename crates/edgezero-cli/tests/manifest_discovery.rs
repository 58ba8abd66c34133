//! Finding `edgezero.toml`: something in its place that cannot be read is reported as what it
//! is, never as "not found" (which sent users looking for a file that is there).

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;

use common::{stderr, Project};

#[test]
fn a_manifest_that_is_a_symlink_loop_is_reported_as_a_loop() {
    let p = Project::new();
    std::fs::remove_file(p.path("edgezero.toml")).unwrap();
    symlink("edgezero.toml", p.path("edgezero.toml")).unwrap();
    let path = p.path("edgezero.toml");
    let path = path.to_str().unwrap();

    for args in [
        &["config", "validate"][..],
        &["--manifest", path, "config", "validate"][..],
        &[
            "config",
            "validate",
            "--manifest",
            p.dir.path().to_str().unwrap(),
        ][..],
    ] {
        let out = p.edgezero(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("edgezero.toml is a symlink loop (ELOOP")
                && err.contains("make it the edgezero.toml file (or a symlink to one)")
                && !err.contains("not found")
                && !err.contains("does not exist"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_manifest_symlink_to_nothing_names_its_target() {
    let p = Project::new();
    std::fs::remove_file(p.path("edgezero.toml")).unwrap();
    symlink("moved/edgezero.toml", p.path("edgezero.toml")).unwrap();
    let out = p.edgezero(&["config", "validate"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("edgezero.toml is a symlink to moved/edgezero.toml, which does not exist"),
        "{err}"
    );
}
