//! What a new user does first: `edgezero new demo`, then every subcommand on the fresh
//! scaffold, run from the directory *above* it with a relative `--manifest` — the generated
//! tests pass, nothing fails, nothing panics.

mod common;

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, repo_root, stderr, KillOnDrop};

struct Scaffold {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Scaffold {
    fn new() -> Scaffold {
        let tmp = tempfile::tempdir().unwrap();
        let s = Scaffold {
            tmp,
            root: repo_root(),
        };
        let out = s.run(&["new", "demo"], |_| {});
        assert_ok(&out, "edgezero new demo");
        // Reuse this repository's resolved versions and build artifacts.
        std::fs::copy(s.root.join("Cargo.lock"), s.demo().join("Cargo.lock")).unwrap();
        let spin_dir = s.demo().join("crates/demo-adapter-spin");
        let lock = s
            .root
            .join("examples/counter/crates/counter-adapter-spin/Cargo.lock");
        std::fs::copy(lock, spin_dir.join("Cargo.lock")).unwrap();
        let worker_dir = s.demo().join("crates/demo-adapter-cloudflare");
        let lock = s
            .root
            .join("examples/counter/crates/counter-adapter-cloudflare/Cargo.lock");
        std::fs::copy(lock, worker_dir.join("Cargo.lock")).unwrap();
        let fastly_dir = s.demo().join("crates/demo-adapter-fastly");
        let lock = s
            .root
            .join("examples/counter/crates/counter-adapter-fastly/Cargo.lock");
        std::fs::copy(lock, fastly_dir.join("Cargo.lock")).unwrap();
        s
    }

    fn demo(&self) -> PathBuf {
        self.tmp.path().join("demo")
    }

    /// Runs the real binary in the directory that holds `demo/`, not in `demo/`.
    fn run(&self, args: &[&str], f: impl FnOnce(&mut Command)) -> Output {
        let mut cmd = self.command(args);
        f(&mut cmd);
        cmd.output().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_edgezero"));
        cmd.args(args)
            .current_dir(self.tmp.path())
            .env("CARGO_TARGET_DIR", self.root.join("target"))
            // The Worker shares this repository's wasm build and miniflare install
            // (scripts/cloudflare-env.sh prepares both).
            .env(
                "EDGEZERO_CLOUDFLARE_TARGET_DIR",
                self.root.join("target/wasm-cloudflare"),
            )
            .env(
                "EDGEZERO_MINIFLARE_DIR",
                self.root.join("target/npm/miniflare"),
            )
            // The Fastly app shares this repository's wasm build, and Viceroy is the one
            // scripts/fastly-env.sh installs (EDGEZERO_VICEROY, passed through when set).
            .env(
                "EDGEZERO_FASTLY_TARGET_DIR",
                self.root.join("target/wasm-fastly"),
            )
            .env_remove("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME");
        if std::env::var_os("EDGEZERO_VICEROY").is_none() {
            cmd.env(
                "EDGEZERO_VICEROY",
                self.root.join(".tools/viceroy/bin/viceroy"),
            );
        }
        cmd
    }
}

const MANIFEST: &str = "demo/edgezero.toml";

fn assert_ok(out: &Output, what: &str) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "`{what}` panicked:\n{err}");
    assert!(out.status.success(), "`{what}` failed:\n{err}");
}

fn get(port: u16, path: &str) -> (u16, String) {
    common::get(port, path, Duration::from_secs(30))
}

/// Clients and requests per client of the concurrent `/visits` check.
const CLIENTS: usize = 16;
const REQUESTS_PER_CLIENT: usize = 50;

/// 16 clients × 50 `GET /visits` at once on a fresh store: every answer is a different count
/// and the last is exactly 800 (a read-add-write counter loses some).
fn visits_count_exactly(port: u16) {
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            std::thread::spawn(move || {
                (0..REQUESTS_PER_CLIENT)
                    .map(|_| {
                        let (status, body) = get(port, "/visits");
                        assert_eq!(status, 200, "{body}");
                        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                        v["visits"].as_u64().unwrap()
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut seen: Vec<u64> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    seen.sort_unstable();
    let total = (CLIENTS * REQUESTS_PER_CLIENT) as u64;
    assert_eq!(
        seen,
        (1..=total).collect::<Vec<_>>(),
        "lost or repeated counts"
    );
    let (_, body) = get(port, "/visits");
    assert_eq!(body, format!(r#"{{"visits":{}}}"#, total + 1));
}

/// Starts `serve`, waits for the port, answers `GET /` (and the concurrent `/visits` check),
/// then stops it; no panic on stderr.
fn serve_briefly(s: &Scaffold, extra: &[&str], timeout: Duration) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["serve", "--manifest", MANIFEST, "--listen", &listen];
    args.extend_from_slice(extra);
    let log = s.tmp.path().join(format!("serve-{port}.log"));
    let child = s
        .command(&args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + timeout;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!(
                "`edgezero {}` exited with {status}:\n{}",
                args.join(" "),
                std::fs::read_to_string(&log).unwrap()
            );
        }
        assert!(
            Instant::now() < deadline,
            "`edgezero {}` did not start",
            args.join(" ")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, body) = get(port, "/");
    assert_eq!(status, 200, "{body}");
    visits_count_exactly(port);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let _ = child.0.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("panicked"), "{text}");
}

/// Starts `serve --adapter <adapter> --no-build` on the scaffold and waits for its port.
fn serving(s: &Scaffold, adapter: &str) -> (KillOnDrop, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let log = s.tmp.path().join(format!("serve-{adapter}-config.log"));
    let args = [
        "serve",
        "--adapter",
        adapter,
        "--no-build",
        "--manifest",
        MANIFEST,
        "--listen",
        &listen,
    ];
    let child = s
        .command(&args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    common::wait_for_port(&mut child, port, &log, Duration::from_secs(120));
    (child, port)
}

/// `config push --local` feeds what the served Worker reads; provision, the remote push and
/// deploy run `wrangler` (a fake on PATH that records its arguments and prints an id).
fn cloudflare_with_a_fake_wrangler(s: &Scaffold) {
    assert_ok(
        &s.run(
            &[
                "config",
                "push",
                "--adapter",
                "cloudflare",
                "--local",
                "--manifest",
                MANIFEST,
            ],
            |_| {},
        ),
        "config push --adapter cloudflare --local",
    );
    let (_child, port) = serving(s, "cloudflare");
    let (status, body) = get(port, "/config/greeting");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("hello from demo"), "{body}");
    drop(_child);

    let bin = s.tmp.path().join("fake-wrangler");
    std::fs::create_dir_all(&bin).unwrap();
    let argv = s.tmp.path().join("wrangler-argv.log");
    std::fs::write(
        bin.join("wrangler"),
        format!(
            "#!/bin/sh
echo \"$@\" >> {}
echo 'id = \"00112233445566778899aabbccddeeff\"'
",
            argv.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("wrangler"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let wrangler_toml = s
        .demo()
        .join("crates/demo-adapter-cloudflare/wrangler.toml");
    for args in [
        vec![
            "provision",
            "--adapter",
            "cloudflare",
            "--manifest",
            MANIFEST,
        ],
        vec![
            "provision",
            "--adapter",
            "cloudflare",
            "--manifest",
            MANIFEST,
        ],
        vec![
            "config",
            "push",
            "--adapter",
            "cloudflare",
            "--yes",
            "--manifest",
            MANIFEST,
        ],
        vec!["deploy", "--adapter", "cloudflare", "--manifest", MANIFEST],
    ] {
        let out = s.run(&args, |c| {
            c.env("PATH", &path);
        });
        assert_ok(&out, &args.join(" "));
    }
    let text = std::fs::read_to_string(&wrangler_toml).unwrap();
    assert!(
        text.contains("id = \"00112233445566778899aabbccddeeff\"")
            && !text.contains("to-be-provisioned"),
        "{text}"
    );
    let calls = std::fs::read_to_string(&argv).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    let config = wrangler_toml.display().to_string();
    assert_eq!(
        calls.len(),
        3,
        "the second provision runs nothing: {calls:?}"
    );
    assert_eq!(
        calls[0],
        format!("kv namespace create app_config --config {config}")
    );
    assert!(
        calls[1].starts_with("kv bulk put ")
            && calls[1].ends_with(&format!("--binding app_config --config {config} --remote")),
        "{}",
        calls[1]
    );
    assert_eq!(calls[2], format!("deploy --config {config}"));
}

/// `config push --local` feeds what the served app reads (the local Config Store file
/// Viceroy rereads); provision edits fastly.toml only; the remote push and deploy run
/// `fastly` (a fake on PATH that records its arguments and lists one Config Store).
fn fastly_with_a_fake_fastly(s: &Scaffold) {
    assert_ok(
        &s.run(
            &[
                "config",
                "push",
                "--adapter",
                "fastly",
                "--local",
                "--manifest",
                MANIFEST,
            ],
            |_| {},
        ),
        "config push --adapter fastly --local",
    );
    let (_child, port) = serving(s, "fastly");
    let (status, body) = get(port, "/config/greeting");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("hello from demo"), "{body}");
    // The visits of serve_briefly are still counted: the store outlived Viceroy.
    let (status, body) = get(port, "/visits");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        format!(r#"{{"visits":{}}}"#, CLIENTS * REQUESTS_PER_CLIENT + 2),
        "the local KV store was kept between runs"
    );
    drop(_child);

    let bin = s.tmp.path().join("fake-fastly");
    std::fs::create_dir_all(&bin).unwrap();
    let argv = s.tmp.path().join("fastly-argv.log");
    std::fs::write(
        bin.join("fastly"),
        format!(
            "#!/bin/sh
echo \"$@\" >> {log}
case \"$1 $2\" in
  \"config-store list\") echo '[{{\"id\": \"cs-0123\", \"name\": \"app_config\"}}]' ;;
  \"config-store-entry update\") cat >> {log}.values; echo >> {log}.values ;;
esac
",
            log = argv.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("fastly"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let fastly_toml = s.demo().join("crates/demo-adapter-fastly/fastly.toml");
    let before = std::fs::read_to_string(&fastly_toml).unwrap();
    for args in [
        vec!["provision", "--adapter", "fastly", "--manifest", MANIFEST],
        vec![
            "config",
            "push",
            "--adapter",
            "fastly",
            "--yes",
            "--manifest",
            MANIFEST,
        ],
        vec!["deploy", "--adapter", "fastly", "--manifest", MANIFEST],
    ] {
        let out = s.run(&args, |c| {
            c.env("PATH", &path);
        });
        assert_ok(&out, &args.join(" "));
    }
    assert_eq!(
        std::fs::read_to_string(&fastly_toml).unwrap(),
        before,
        "the scaffold's fastly.toml declares every store: provision changes nothing"
    );
    let calls = std::fs::read_to_string(&argv).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls[0], "config-store list --json", "{calls:?}");
    let updates: Vec<&&str> = calls
        .iter()
        .filter(|c| c.starts_with("config-store-entry update --upsert --store-id cs-0123 --key "))
        .collect();
    assert!(
        updates
            .iter()
            .any(|c| c.ends_with("--key greeting --stdin"))
            && updates
                .iter()
                .any(|c| c.ends_with("--key edgezero.entries --stdin")),
        "{calls:?}"
    );
    let values = std::fs::read_to_string(format!("{}.values", argv.display())).unwrap();
    assert!(values.contains("hello from demo"), "{values}");
    let dir = fastly_toml.parent().unwrap().display().to_string();
    assert_eq!(
        calls.last().unwrap(),
        &format!("compute publish --non-interactive --dir {dir}")
    );
}

#[test]
fn every_subcommand_works_on_a_fresh_scaffold_from_another_directory() {
    let s = Scaffold::new();
    for args in [
        vec!["config", "validate", "--manifest", MANIFEST],
        vec!["config", "validate", "--strict", "--manifest", MANIFEST],
        vec!["provision", "--adapter", "spin", "--manifest", MANIFEST],
        vec!["provision", "--adapter", "native", "--manifest", MANIFEST],
        vec![
            "provision",
            "--adapter",
            "cloudflare",
            "--dry-run",
            "--manifest",
            MANIFEST,
        ],
        vec![
            "config",
            "push",
            "--adapter",
            "cloudflare",
            "--local",
            "--dry-run",
            "--manifest",
            MANIFEST,
        ],
        vec![
            "config",
            "push",
            "--adapter",
            "spin",
            "--local",
            "--dry-run",
            "--manifest",
            MANIFEST,
        ],
        vec![
            "provision",
            "--adapter",
            "fastly",
            "--dry-run",
            "--manifest",
            MANIFEST,
        ],
        vec![
            "config",
            "push",
            "--adapter",
            "native",
            "--dry-run",
            "--manifest",
            MANIFEST,
        ],
    ] {
        let out = s.run(&args, |_| {});
        assert_ok(&out, &args.join(" "));
    }

    // The generated project's own tests.
    let test = Command::new(env!("CARGO"))
        .args(["test", "--quiet"])
        .current_dir(s.demo())
        .env("CARGO_TARGET_DIR", s.root.join("target"))
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "generated project tests failed:\n{}\n{}",
        String::from_utf8_lossy(&test.stdout),
        stderr(&test)
    );

    // Builds. The Spin component goes where spin.toml's `source` points (made absolute into
    // this repository's shared wasm target dir, so the build reuses its artifacts).
    let spin_toml = s.demo().join("crates/demo-adapter-spin/spin.toml");
    let wasm_dir = s.root.join("target/wasm");
    let text = std::fs::read_to_string(&spin_toml).unwrap().replace(
        "source = \"target/wasm32-wasip2/release/demo_adapter_spin.wasm\"",
        &format!(
            "source = \"{}/wasm32-wasip2/release/demo_adapter_spin.wasm\"",
            wasm_dir.display()
        ),
    );
    std::fs::write(&spin_toml, text).unwrap();
    assert_ok(
        &s.run(
            &["build", "--adapter", "spin", "--manifest", MANIFEST],
            |_| {},
        ),
        "build --adapter spin",
    );
    let wasm =
        std::fs::read(wasm_dir.join("wasm32-wasip2/release/demo_adapter_spin.wasm")).unwrap();
    assert_eq!(
        &wasm[..8],
        b"\0asm\x0d\x00\x01\x00",
        "a component, not a core module"
    );
    assert_ok(
        &s.run(
            &["build", "--adapter", "native", "--manifest", MANIFEST],
            |_| {},
        ),
        "build --adapter native",
    );

    assert_ok(
        &s.run(
            &["build", "--adapter", "cloudflare", "--manifest", MANIFEST],
            |_| {},
        ),
        "build --adapter cloudflare",
    );
    let entry = s
        .demo()
        .join("crates/demo-adapter-cloudflare/build/worker/shim.mjs");
    let entry = std::fs::read_to_string(entry).unwrap();
    assert!(entry.contains("export { EdgeZeroAtomicKv }"), "{entry}");
    assert_ok(
        &s.run(
            &["build", "--adapter", "fastly", "--manifest", MANIFEST],
            |_| {},
        ),
        "build --adapter fastly",
    );
    let wasm = std::fs::read(s.demo().join("crates/demo-adapter-fastly/bin/main.wasm")).unwrap();
    assert_eq!(
        &wasm[..8],
        b"\0asm\x01\x00\x00\x00",
        "a core module for wasm32-wasip1"
    );

    // Serving, natively, in the embedded Spin host and under workerd: `/visits` counts
    // exactly on each (on Workers, the `default` store is the atomic store).
    serve_briefly(&s, &["--adapter", "native"], Duration::from_secs(600));
    serve_briefly(
        &s,
        &["--adapter", "spin", "--embedded", "--no-build"],
        Duration::from_secs(300),
    );
    serve_briefly(
        &s,
        &["--adapter", "cloudflare", "--no-build"],
        Duration::from_secs(300),
    );
    cloudflare_with_a_fake_wrangler(&s);
    serve_briefly(
        &s,
        &["--adapter", "fastly", "--no-build"],
        Duration::from_secs(300),
    );
    fastly_with_a_fake_fastly(&s);

    // config push --local for real, then deploy against a fake `spin`.
    assert_ok(
        &s.run(
            &[
                "config",
                "push",
                "--adapter",
                "spin",
                "--local",
                "--manifest",
                MANIFEST,
            ],
            |_| {},
        ),
        "config push --local",
    );
    let bin = s.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let argv = s.tmp.path().join("argv.log");
    std::fs::write(
        bin.join("spin"),
        format!("#!/bin/sh\necho \"$@\" > {}\n", argv.display()),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("spin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = s.run(
        &["deploy", "--adapter", "spin", "--manifest", MANIFEST],
        |c| {
            c.env("PATH", &path);
        },
    );
    assert_ok(&out, "deploy --adapter spin");
    let argv = std::fs::read_to_string(&argv).unwrap();
    assert_eq!(
        argv.trim(),
        format!(
            "deploy --from {}",
            s.demo().join("crates/demo-adapter-spin").display()
        )
    );

    // The component imports wasi:keyvalue/atomics (the adapter's default feature), which
    // Fermyon Cloud does not provide: validate --strict warns, deploy refuses, both naming
    // the opt-out, and `spin` is not run.
    let manifest = s.demo().join("edgezero.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("\n[adapters.spin.commands]\ndeploy = \"spin cloud deploy\"\n");
    std::fs::write(&manifest, text).unwrap();
    let opt_out = "default-features = false";
    let out = s.run(
        &["config", "validate", "--strict", "--manifest", MANIFEST],
        |_| {},
    );
    let err = stderr(&out);
    assert!(
        err.contains("wasi:keyvalue/atomics@0.2.0-draft2")
            && err.contains("Fermyon Cloud")
            && err.contains(opt_out),
        "{err}"
    );
    std::fs::remove_file(s.tmp.path().join("argv.log")).unwrap();
    let out = s.run(
        &["deploy", "--adapter", "spin", "--manifest", MANIFEST],
        |c| {
            c.env("PATH", &path);
        },
    );
    let err = stderr(&out);
    assert!(!out.status.success(), "deploy went ahead:\n{err}");
    assert!(
        err.contains("not deploying") && err.contains(opt_out),
        "{err}"
    );
    assert!(!s.tmp.path().join("argv.log").exists(), "spin was run");
}
