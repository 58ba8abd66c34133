//! `spin up`'s and `spin deploy`'s options through `edgezero serve` / `edgezero deploy`:
//! passed to the Spin CLI as they are (relative files made absolute, since Spin runs from
//! the manifest's directory), checked first, and refused for the native adapter.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use common::{stderr, Project};

/// Runs the real binary in `p` with `PATH` set and `input` on its standard input.
fn edgezero_stdin(p: &Project, args: &[&str], path: &str, input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgezero"))
        .args(args)
        .current_dir(p.dir.path())
        .env("PATH", path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

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
        (
            vec!["--key-value", "k=@missing.txt"],
            "--key-value k=@missing.txt: cannot read missing.txt (No such file",
        ),
        (vec!["--key-value", "k=@"], "names no file"),
        (
            vec!["--key-value", "a=-", "--key-value", "b=-"],
            "both read standard input, which holds one value; read the other from a file: b=@FILE",
        ),
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

/// `--key-value KEY=@FILE` / `KEY=-` with the Spin CLI: the values never reach `spin up`'s
/// command line (where `ps` shows them); edgezero writes them into the `default` store's
/// SQLite file first, where `spin up --key-value` would have put them.
#[test]
fn serve_keeps_key_values_from_a_file_or_stdin_off_spins_command_line() {
    let p = Project::new();
    p.write("credentials.txt", "admin:file-s3cret\n");
    let (path, log) = fake_spin(&p);
    let out = edgezero_stdin(
        &p,
        &[
            "serve",
            "--adapter",
            "spin",
            "--no-build",
            "--key-value",
            "kv-credentials=@credentials.txt",
            "--key-value",
            "token=-",
            "--key-value",
            "plain=visible",
            "--key-value",
            "at=@@home",
        ],
        &path,
        "stdin-s3cret\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = std::fs::read_to_string(&log).unwrap();
    assert!(
        !argv.contains("s3cret") && !argv.contains("credentials.txt"),
        "{argv}"
    );
    let args: Vec<&str> = argv.lines().collect();
    assert!(
        args.windows(2)
            .any(|w| w == ["--key-value", "plain=visible"])
            && args.windows(2).any(|w| w == ["--key-value", "at=@home"]),
        "{argv}"
    );
    assert_eq!(
        common::rows(&p.path("spin/.spin/sqlite_key_value.db"), "default"),
        vec![
            (
                "kv-credentials".to_string(),
                "admin:file-s3cret".to_string()
            ),
            ("token".to_string(), "stdin-s3cret".to_string()),
        ]
    );
    assert!(
        stderr(&out)
            .contains("--key-value kv-credentials, token: written into the `default` store"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("s3cret"), "{}", stderr(&out));

    // With --state-dir the `default` store is the file `spin up --state-dir` opens.
    let out = p.edgezero_with(
        &[
            "serve",
            "--adapter",
            "spin",
            "--no-build",
            "--state-dir",
            "state",
            "--key-value",
            "kv-credentials=@credentials.txt",
        ],
        |c| {
            c.env("PATH", &path);
        },
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        common::rows(&p.path("state/sqlite_key_value.db"), "default"),
        vec![(
            "kv-credentials".to_string(),
            "admin:file-s3cret".to_string()
        )]
    );
}

/// A `default` store edgezero cannot write (here in memory): refused, never put on `spin up`'s
/// command line.
#[test]
fn serve_refuses_a_secret_it_cannot_keep_off_the_command_line() {
    let p = Project::new();
    p.write("credentials.txt", "admin:s3cret");
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.default]\ntype = \"spin\"\n",
    );
    let (path, log) = fake_spin(&p);
    let out = p.edgezero_with(
        &[
            "serve",
            "--adapter",
            "spin",
            "--no-build",
            "--key-value",
            "kv-credentials=@credentials.txt",
        ],
        |c| {
            c.env("PATH", &path);
        },
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("in-memory SQLite") && stderr(&out).contains("--embedded"),
        "{}",
        stderr(&out)
    );
    assert!(!log.exists(), "spin ran");
}

/// `deploy` reads the value, then hands it to the deploy command (Spin has no other way): the
/// docs say that `ps` shows it there while the deploy runs.
#[test]
fn deploy_reads_key_values_from_a_file_or_stdin() {
    let p = Project::new();
    p.write("credentials.txt", "user:s3cret\r\n");
    let (path, log) = fake_spin(&p);
    let out = edgezero_stdin(
        &p,
        &[
            "deploy",
            "--adapter",
            "spin",
            "--key-value",
            "kv-credentials=@credentials.txt",
            "--key-value",
            "token=-",
        ],
        &path,
        "t0ken",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        argv.lines().skip(3).collect::<Vec<_>>(),
        vec![
            "--key-value",
            "kv-credentials=user:s3cret",
            "--key-value",
            "token=t0ken"
        ]
    );
}

/// `[adapters.spin.commands].serve` replaces `spin up` and the embedded host, so it would not
/// get `spin up`'s options: each one (its value perhaps already read from a file or stdin) is
/// refused with the fix, and neither the command nor anything else runs.
#[test]
fn serve_refuses_spin_up_options_a_serve_override_would_not_get() {
    let p = Project::new();
    p.write("token.txt", "s3cret");
    let ran = p.path("override-ran");
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\nserve = \"touch {}\"\n",
            common::EDGEZERO_TOML,
            ran.display()
        ),
    );
    let (path, log) = fake_spin(&p);
    for (args, flag) in [
        (vec!["--key-value", "k=v"], "--key-value"),
        (vec!["--key-value", "k=-"], "--key-value"),
        (vec!["--env", "A=1"], "--env"),
        (vec!["--variable", "api_token=@token.txt"], "--variable"),
        (vec!["--state-dir", "state"], "--state-dir"),
    ] {
        let mut all = vec!["serve", "--adapter", "spin"];
        all.extend(args);
        let out = edgezero_stdin(&p, &all, &path, "from-stdin");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "{flag} is not passed to [adapters.spin.commands].serve (`touch "
            )) && err.contains("put the option in that command, or remove the line"),
            "{err}"
        );
        assert!(!ran.exists(), "the serve override ran");
        assert!(!log.exists(), "spin ran");
    }
    // Without those options the override runs as before.
    let out = edgezero_stdin(&p, &["serve", "--adapter", "spin"], &path, "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ran.exists(), "the serve override did not run");
}
