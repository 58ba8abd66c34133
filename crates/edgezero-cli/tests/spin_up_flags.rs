//! `spin up`'s and `spin deploy`'s options through `edgezero serve` / `edgezero deploy`:
//! passed to the Spin CLI as they are (relative files made absolute, since Spin runs from
//! the manifest's directory), checked first, and refused for the native adapter.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{stderr, Project};

fn fake_spin(p: &Project) -> (String, std::path::PathBuf) {
    let bin = p.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = p.path("argv.log");
    std::fs::write(
        bin.join("spin"),
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > {}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("spin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    (format!("{}:/usr/bin:/bin", bin.display()), log)
}

#[test]
fn serve_passes_spin_up_options_to_spin() {
    let p = Project::new();
    p.write("token.txt", "s3cret");
    let (path, log) = fake_spin(&p);
    let out = p.edgezero_with(
        &[
            "serve",
            "--adapter",
            "spin",
            "--no-build",
            "--key-value",
            "kv-credentials=admin:secret",
            "--env",
            "EDGEZERO__LOGGING__LEVEL=debug",
            "--variable",
            "api_token=@token.txt",
            "--state-dir",
            "state",
        ],
        |c| {
            c.env("PATH", &path);
        },
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let argv: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let after = |flag: &str| {
        argv.iter()
            .position(|a| a == flag)
            .and_then(|i| argv.get(i + 1))
            .cloned()
            .unwrap_or_else(|| panic!("{flag} missing from {argv:?}"))
    };
    assert_eq!(argv[0], "up");
    assert_eq!(after("--key-value"), "kv-credentials=admin:secret");
    assert_eq!(after("--env"), "EDGEZERO__LOGGING__LEVEL=debug");
    assert_eq!(
        after("--variable"),
        format!("api_token=@{}", p.path("token.txt").display())
    );
    assert_eq!(after("--state-dir"), p.path("state").display().to_string());
}

#[test]
fn bad_options_are_refused_before_anything_runs() {
    let p = Project::new();
    let (path, log) = fake_spin(&p);
    for (args, expect) in [
        (vec!["--key-value", "novalue"], "KEY=VALUE"),
        (vec!["--variable", "API=1"], "not a valid variable name"),
        (vec!["--variable", "x=@missing.txt"], "cannot read"),
    ] {
        let mut all = vec!["serve", "--adapter", "spin", "--no-build"];
        all.extend(args);
        let out = p.edgezero_with(&all, |c| {
            c.env("PATH", &path);
        });
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains(expect), "{}", stderr(&out));
        assert!(!log.exists(), "spin ran although the options were bad");
    }
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.native.adapter]\ncrate = \"native\"\n",
            common::EDGEZERO_TOML
        ),
    );
    let out = p.edgezero(&["serve", "--adapter", "native", "--key-value", "a=b"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--key-value is an option of `spin up`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deploy_passes_key_values_and_variables() {
    let p = Project::new();
    let (path, log) = fake_spin(&p);
    let out = p.edgezero_with(
        &[
            "deploy",
            "--adapter",
            "spin",
            "--key-value",
            "kv-credentials=user:password",
            "--variable",
            "api_token=t",
        ],
        |c| {
            c.env("PATH", &path);
        },
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        argv.lines().collect::<Vec<_>>(),
        vec![
            "deploy",
            "--from",
            &p.path("spin").display().to_string(),
            "--key-value",
            "kv-credentials=user:password",
            "--variable",
            "api_token=t"
        ]
    );
    // A deploy command override gets them too.
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\ndeploy = \"spin cloud deploy\"\n",
            common::EDGEZERO_TOML
        ),
    );
    let out = p.edgezero_with(
        &["deploy", "--adapter", "spin", "--key-value", "a=b"],
        |c| {
            c.env("PATH", &path);
        },
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        argv.lines().collect::<Vec<_>>(),
        vec!["cloud", "deploy", "--key-value", "a=b"]
    );
}
