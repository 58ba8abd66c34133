//! `edgezero deploy --adapter spin` runs `spin deploy` and explains its failures.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{stderr, Project};

fn fake_spin(p: &Project, body: &str) -> String {
    let bin = p.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("spin"), format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(bin.join("spin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

#[test]
fn runs_spin_deploy_from_the_spin_toml_directory() {
    let p = Project::new();
    let log = p.path("argv.log");
    let path = fake_spin(&p, &format!("echo \"$@\" > {}", log.display()));
    let out = p.edgezero_with(
        &["deploy", "--adapter", "spin", "--", "--variable", "x=1"],
        |c| {
            c.env("PATH", &path);
        },
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        argv.trim(),
        format!("deploy --from {} --variable x=1", p.path("spin").display())
    );
}

#[test]
fn explains_the_spin_4_deploy_plugin() {
    let p = Project::new();
    let path = fake_spin(
        &p,
        "echo 'Error: set SPIN_DEPLOY_PLUGIN to choose a deploy plugin' >&2; exit 1",
    );
    let out = p.edgezero_with(&["deploy", "--adapter", "spin"], |c| {
        c.env("PATH", &path);
    });
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("SPIN_DEPLOY_PLUGIN=cloud")
            && err.contains("deploy = \"spin cloud deploy --from"),
        "{err}"
    );
}

#[test]
fn missing_spin_gets_an_install_hint() {
    let p = Project::new();
    let out = p.edgezero_with(&["deploy", "--adapter", "spin"], |c| {
        c.env("PATH", "/nonexistent");
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("https://spinframework.dev/install"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn manifest_override_replaces_the_builtin_command() {
    let p = Project::new();
    let marker = p.path("deployed");
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\ndeploy = \"touch {}\"\n",
            common::EDGEZERO_TOML,
            marker.display()
        ),
    );
    let out = p.edgezero(&["deploy", "--adapter", "spin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(marker.exists());
}
