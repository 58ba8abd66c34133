//! provision, config push and config validate on temporary projects, via the real binary.

mod common;

use common::{rows, stderr, Project};

#[test]
fn provision_adds_labels_keeps_comments_and_is_idempotent() {
    let p = Project::new();
    let out = p.edgezero(&["provision", "--adapter", "spin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let spin = p.read("spin/spin.toml");
    assert!(
        spin.contains(r#"key_value_stores = ["default", "cache", "app_config"]"#),
        "{spin}"
    );
    assert!(
        spin.contains("# the one component") && spin.contains("# built artifact"),
        "comments must survive:\n{spin}"
    );
    let out = p.edgezero(&["provision", "--adapter", "spin"]);
    assert!(
        stderr(&out).contains("nothing to change"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        p.read("spin/spin.toml"),
        spin,
        "a second run must not change the file"
    );
}

#[test]
fn provision_dry_run_writes_nothing_and_lists_missing_stanzas() {
    let p = Project::new();
    p.write("spin/runtime-config.toml", "");
    let before = p.read("spin/spin.toml");
    let out = p.edgezero(&["provision", "--adapter", "spin", "--dry-run"]);
    let err = stderr(&out);
    assert!(
        err.contains("would add") && err.contains("cache, app_config"),
        "{err}"
    );
    assert!(
        err.contains("[key_value_store.cache]") && err.contains("[key_value_store.app_config]"),
        "{err}"
    );
    assert_eq!(p.read("spin/spin.toml"), before);
}

#[test]
fn push_local_writes_spin_rows_verbatim() {
    let p = Project::new();
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        rows(&p.path("spin/.spin/sqlite_key_value.db"), "app_config"),
        vec![
            ("greeting".into(), "hello".into()),
            ("service.timeout_ms".into(), "2500".into())
        ]
    );
}

#[test]
fn push_follows_the_label_override_from_spin_toml_environment() {
    let p = Project::new();
    let spin = common::SPIN_TOML.replace(
        "allowed_outbound_hosts = []",
        "allowed_outbound_hosts = []\nenvironment = { EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME = \"settings\" }",
    );
    p.write("spin/spin.toml", &spin);
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--local"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("label `settings` has no stanza")
            && err.contains("[key_value_store.settings]"),
        "{err}"
    );
    assert!(
        !p.path("spin/.spin/sqlite_key_value.db").exists(),
        "nothing may be written before the error"
    );
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.settings]\ntype = \"spin\"\npath = \"data/kv.db\"\n",
    );
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rows(&p.path("spin/data/kv.db"), "settings").len(), 2);
}

#[test]
fn push_dry_run_writes_nothing() {
    let p = Project::new();
    let out = p.edgezero(&[
        "config",
        "push",
        "--adapter",
        "spin",
        "--local",
        "--dry-run",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("service.timeout_ms = \"2500\""));
    assert!(!p.path("spin/.spin/sqlite_key_value.db").exists());
}

#[test]
fn failing_push_leaves_the_file_unchanged_and_names_the_key() {
    let p = Project::new();
    let db = p.path("spin/.spin/sqlite_key_value.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "{};
         INSERT INTO spin_key_value VALUES ('app_config', 'greeting', CAST('old' AS BLOB));
         CREATE TRIGGER refuse BEFORE INSERT ON spin_key_value WHEN NEW.key = 'service.timeout_ms'
         BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
        edgezero_spin_sqlite_schema()
    ))
    .unwrap();
    drop(conn);
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--local"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("`service.timeout_ms`") && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(
        rows(&db, "app_config"),
        vec![("greeting".into(), "old".into())]
    );
}

fn edgezero_spin_sqlite_schema() -> &'static str {
    "CREATE TABLE spin_key_value (store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key))"
}

#[test]
fn redis_and_other_backends_resolve_without_local() {
    let p = Project::new();
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.app_config]\ntype = \"azure_cosmos\"\n",
    );
    let out = p.edgezero(&["config", "push", "--adapter", "spin"]);
    assert!(
        stderr(&out).contains("`azure_cosmos`") && stderr(&out).contains("Azure CLI"),
        "{}",
        stderr(&out)
    );
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.app_config]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:1\"\n",
    );
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot connect to Redis at redis://127.0.0.1:1"),
        "{}",
        stderr(&out)
    );
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--local"]);
    assert!(stderr(&out).contains("drop --local"), "{}", stderr(&out));
}

fn fake_spin(p: &Project, script_body: &str) -> std::path::PathBuf {
    let bin = p.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let spin = bin.join("spin");
    std::fs::write(&spin, format!("#!/bin/sh\n{script_body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&spin, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn with_path(bin: &std::path::Path) -> String {
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

#[test]
fn cloud_push_batches_arguments_under_96_kib() {
    let p = Project::new();
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\ndeploy = \"spin cloud deploy\"\n",
            common::EDGEZERO_TOML
        ),
    );
    let big: String = (0..400)
        .map(|i| format!("key{i:03} = \"{}\"\n", "v".repeat(1000)))
        .collect();
    p.write("config.toml", &big);
    let log = p.path("argv.log");
    let bin = fake_spin(&p, &format!("printf '%s\\n' \"$*\" >> {}", log.display()));
    let out = p.edgezero_with(&["config", "push", "--adapter", "spin", "--yes"], |c| {
        c.env("PATH", with_path(&bin));
    });
    assert!(out.status.success(), "{}", stderr(&out));
    let calls: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(calls.len() >= 5, "{} calls", calls.len());
    let mut pairs = 0;
    for call in &calls {
        assert!(
            call.starts_with("cloud key-value set --app demo --label app_config key"),
            "{}",
            &call[..80]
        );
        assert!(
            call.len() + "spin ".len() <= 96 * 1024,
            "argv of {} bytes",
            call.len()
        );
        pairs += call
            .split(' ')
            .filter(|a| a.starts_with("key") && a.contains('='))
            .count();
    }
    assert_eq!(pairs, 400);
}

#[test]
fn cloud_push_errors_say_what_to_run() {
    let p = Project::new();
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\ndeploy = \"spin deploy\"\n",
            common::EDGEZERO_TOML
        ),
    );
    let bin = fake_spin(&p, "echo 'Error: not logged in' >&2; exit 1");
    let out = p.edgezero_with(&["config", "push", "--adapter", "spin", "--yes"], |c| {
        c.env("PATH", with_path(&bin));
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("run `spin cloud login`"),
        "{}",
        stderr(&out)
    );
    let bin = fake_spin(
        &p,
        "echo \"Error: label 'app_config' is not linked to a store\" >&2; exit 1",
    );
    let out = p.edgezero_with(&["config", "push", "--adapter", "spin", "--yes"], |c| {
        c.env("PATH", with_path(&bin));
    });
    assert!(
        stderr(&out).contains("spin cloud link key-value app_config --app demo --store"),
        "{}",
        stderr(&out)
    );
    let out = p.edgezero(&["config", "push", "--adapter", "spin"]);
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
}

#[test]
fn keys_with_equals_are_refused_before_any_call() {
    let p = Project::new();
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\ndeploy = \"spin deploy\"\n",
            common::EDGEZERO_TOML
        ),
    );
    p.write("config.toml", "\"a=b\" = \"x\"\n");
    let log = p.path("argv.log");
    let bin = fake_spin(&p, &format!("echo called >> {}", log.display()));
    let out = p.edgezero_with(&["config", "push", "--adapter", "spin", "--yes"], |c| {
        c.env("PATH", with_path(&bin));
    });
    assert!(
        stderr(&out).contains("`a=b` contains `=`"),
        "{}",
        stderr(&out)
    );
    assert!(!log.exists());
}

#[test]
fn a_spin_label_kept_in_memory_is_refused() {
    let p = Project::new();
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.cache]\ntype = \"spin\"\npath = \"a.db\"\n\n[key_value_store.app_config]\ntype = \"spin\"\n",
    );
    for local in [true, false] {
        let mut args = vec!["config", "push", "--adapter", "spin"];
        if local {
            args.push("--local");
        }
        let out = p.edgezero(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("keeps label `app_config` in memory") && err.contains("path = "),
            "{err}"
        );
    }
    assert!(!p.path("spin/.spin/sqlite_key_value.db").exists());
}

#[test]
fn redis_credentials_are_never_printed() {
    let p = Project::new();
    p.write(
        "spin/runtime-config.toml",
        "[key_value_store.app_config]\ntype = \"redis\"\nurl = \"redis://:hunter2@127.0.0.1:1\"\n",
    );
    for args in [
        vec!["config", "push", "--adapter", "spin", "--yes"],
        vec!["config", "push", "--adapter", "spin", "--dry-run"],
    ] {
        let out = p.edgezero(&args);
        let err = stderr(&out);
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("redis://***@127.0.0.1:1"), "{err}");
    }
}

#[test]
fn a_cloud_push_that_fails_part_way_says_what_was_written_and_how_to_resume() {
    let p = Project::new();
    p.write(
        "edgezero.toml",
        &format!(
            "{}\n[adapters.spin.commands]\ndeploy = \"spin deploy\"\n",
            common::EDGEZERO_TOML
        ),
    );
    let entries: String = (0..300)
        .map(|i| format!("key{i:03} = \"{}\"\n", "v".repeat(1000)))
        .collect();
    p.write("config.toml", &entries);
    let log = p.path("calls.log");
    // The first call succeeds, the second fails.
    let bin = fake_spin(
        &p,
        &format!(
            "echo \"$@\" >> {log}; n=$(wc -l < {log}); [ \"$n\" -ge 2 ] && {{ echo 'Error: connection reset' >&2; exit 1; }}; exit 0",
            log = log.display()
        ),
    );
    let out = p.edgezero_with(&["config", "push", "--adapter", "spin", "--yes"], |c| {
        c.env("PATH", with_path(&bin));
    });
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let first_call = std::fs::read_to_string(&log).unwrap();
    let first_batch = first_call.lines().next().unwrap().matches("=v").count();
    assert!(first_batch > 0 && first_batch < 300);
    assert!(
        err.contains(&format!("written ({first_batch} of 300)")),
        "{err}"
    );
    let resume_key = format!("key{first_batch:03}");
    assert!(
        err.contains(&format!("--from-key {resume_key}")) && err.contains("--yes"),
        "{err}"
    );
    // Resuming sends exactly the entries not yet written.
    std::fs::remove_file(&log).unwrap();
    let bin = fake_spin(&p, &format!("echo \"$@\" >> {}", log.display()));
    let out = p.edgezero_with(
        &[
            "config",
            "push",
            "--adapter",
            "spin",
            "--yes",
            "--from-key",
            &resume_key,
        ],
        |c| {
            c.env("PATH", with_path(&bin));
        },
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls.matches("=v").count(), 300 - first_batch);
    assert!(calls.contains(&format!("{resume_key}=")));
}

#[test]
fn each_config_id_pushes_its_own_file() {
    let p = Project::new();
    p.write(
        "edgezero.toml",
        &common::EDGEZERO_TOML.replace(
            "ids = [\"app_config\"]\nfile = \"config.toml\"",
            "ids = [\"app_config\", \"flags\"]\ndefault = \"app_config\"\nfile = \"config.toml\"\nfiles = { flags = \"flags.toml\" }",
        ),
    );
    p.write("flags.toml", "beta = true\n");
    p.write(
        "spin/runtime-config.toml",
        &format!(
            "{}\n[key_value_store.flags]\ntype = \"spin\"\npath = \".spin/sqlite_key_value.db\"\n",
            p.read("spin/runtime-config.toml")
        ),
    );
    let out = p.edgezero(&[
        "config",
        "push",
        "--adapter",
        "spin",
        "--local",
        "--store",
        "flags",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = p.edgezero(&["config", "push", "--adapter", "spin", "--local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let db = p.path("spin/.spin/sqlite_key_value.db");
    assert_eq!(
        common::rows(&db, "flags"),
        vec![("beta".to_string(), "true".to_string())]
    );
    assert_eq!(
        common::rows(&db, "app_config"),
        vec![
            ("greeting".to_string(), "hello".to_string()),
            ("service.timeout_ms".to_string(), "2500".to_string())
        ]
    );
    // An id without a file is refused, naming the line to add.
    p.write(
        "edgezero.toml",
        &common::EDGEZERO_TOML.replace(
            "ids = [\"app_config\"]\nfile = \"config.toml\"",
            "ids = [\"app_config\", \"flags\"]\ndefault = \"app_config\"\nfile = \"config.toml\"",
        ),
    );
    let out = p.edgezero(&[
        "config",
        "push",
        "--adapter",
        "spin",
        "--local",
        "--store",
        "flags",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("files = { flags = \"config/flags.toml\" }"),
        "{}",
        stderr(&out)
    );
}
