//! What the framework costs a Spin component, measured in the process: examples/counter
//! against benches/spin-size/bare-counter (the same atomic KV work with spin-sdk alone) and
//! benches/spin-size/bare-counter-checked (the bare counter plus the read before the
//! increment that the framework makes so that Spin's SQLite store never panics on a
//! non-counter value), all loaded into the host we ship (its engine, linker and instance
//! reuse), requests driven through `wasi:http` without a socket, the `default` store in
//! memory. benches/spin-size/counter-run-app is examples/counter's app behind the other
//! entry point (`#[http_service]` calling `run_app`, as `edgezero new` writes it) instead
//! of `component!`.
//!
//! For each mode — instances reused (Spin 4: up to 128 requests each) and a fresh instance
//! per request — it runs alternating rounds (ours, run_app, bare, checked; …) of N
//! requests each, and prints every round's requests/s and ratios, and the median ratios
//! with their ranges: ours/bare is the goal (>= 0.95); ours/checked is what the framework
//! costs beyond that read, checked/bare what the read costs; run_app/ours compares the two
//! entry points (goal: within 2 %). Then the component sizes and their ratio.
//!
//! ```sh
//! cargo bench -p edgezero-spin-host --bench in_process            # 9 rounds of 2000
//! PAIRS=15 REQUESTS=5000 cargo bench -p edgezero-spin-host --bench in_process
//! ```
//!
//! `MODES=reused` or `MODES=fresh` runs one mode; `OURS_WASM` / `RUN_APP_WASM` /
//! `BARE_WASM` / `CHECKED_WASM` compare components built elsewhere (e.g. unstripped, for a
//! profile).
//! With `EDGEZERO_WASM_PERFMAP=1` the host writes `/tmp/perf-<pid>.map`, so that
//! `perf record -g` names guest functions; docs/benchmarks.md says how the profiles there
//! were taken.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bytes::Bytes;
use edgezero_spin_host::{Host, HostConfig};
use http_body_util::BodyExt;

const OURS: &str = "examples/counter/crates/counter-adapter-spin";
const BARE: &str = "benches/spin-size/bare-counter";
const CHECKED: &str = "benches/spin-size/bare-counter-checked";
const RUN_APP: &str = "benches/spin-size/counter-run-app";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn build(crate_dir: &str) -> PathBuf {
    let out = Command::new(repo().join("scripts/wasm-build.sh"))
        .arg(repo().join(crate_dir))
        .output()
        .expect("run scripts/wasm-build.sh");
    assert!(
        out.status.success(),
        "building {crate_dir} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap()
            .trim(),
    )
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A one-component app over `wasm`, its `default` store in memory.
async fn load(dir: &Path, name: &str, wasm: &Path, reuse: usize) -> Host {
    let app = dir.join(name);
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"{name}\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"c\"\n[component.c]\nsource = \"{}\"\nkey_value_stores = [\"default\"]\n",
            wasm.display()
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("runtime-config.toml"),
        "[key_value_store.default]\ntype = \"spin\"\n",
    )
    .unwrap();
    let config = HostConfig::new(app.join("spin.toml"))
        .runtime_config(app.join("runtime-config.toml"))
        .max_instance_reuse(reuse);
    Host::load(&config).await.expect("load the app")
}

/// Requests per second over `n` sequential `GET /counter`s.
async fn run(host: &Host, n: usize) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        let req = http::Request::get("/counter")
            .header("host", "localhost")
            .body(Bytes::new())
            .unwrap();
        let res = host.handle(req).await;
        assert_eq!(res.status(), 200);
        let body = res.into_body().collect().await.expect("body").to_bytes();
        assert!(body.starts_with(b"{\"views\":"), "{body:?}");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let pairs = env_usize("PAIRS", 9).max(1);
    let n = env_usize("REQUESTS", 2000).max(1);
    // OURS_WASM / RUN_APP_WASM / BARE_WASM / CHECKED_WASM: components built elsewhere
    // (e.g. unstripped).
    let given =
        |var: &str, dir: &str| std::env::var_os(var).map_or_else(|| build(dir), PathBuf::from);
    let ours_wasm = given("OURS_WASM", OURS);
    let run_app_wasm = given("RUN_APP_WASM", RUN_APP);
    let bare_wasm = given("BARE_WASM", BARE);
    let checked_wasm = given("CHECKED_WASM", CHECKED);
    // MODES=reused or MODES=fresh runs only that mode.
    let modes = std::env::var("MODES").unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        for (mode, reuse) in [
            ("reused instance", edgezero_spin_host::MAX_INSTANCE_REUSE),
            ("fresh instance", 1),
        ] {
            if !modes.is_empty() && !mode.starts_with(modes.as_str()) {
                continue;
            }
            let ours = load(dir.path(), &format!("ours-{reuse}"), &ours_wasm, reuse).await;
            let run_app = load(
                dir.path(),
                &format!("run-app-{reuse}"),
                &run_app_wasm,
                reuse,
            )
            .await;
            let bare = load(dir.path(), &format!("bare-{reuse}"), &bare_wasm, reuse).await;
            let checked = load(
                dir.path(),
                &format!("checked-{reuse}"),
                &checked_wasm,
                reuse,
            )
            .await;
            // Warm-up: compile caches, allocator, first instances.
            for host in [&ours, &run_app, &bare, &checked] {
                run(host, n / 10 + 1).await;
            }
            println!("\n{mode}: {pairs} rounds of {n} requests (ours, run_app, bare, checked)");
            let (mut to_bare, mut to_checked, mut read) = (Vec::new(), Vec::new(), Vec::new());
            let mut entry = Vec::new();
            for i in 1..=pairs {
                let a = run(&ours, n).await;
                let r = run(&run_app, n).await;
                let b = run(&bare, n).await;
                let c = run(&checked, n).await;
                to_bare.push(a / b);
                to_checked.push(a / c);
                read.push(c / b);
                entry.push(r / a);
                println!(
                    "  round {i:2}: ours {a:7.0}  run_app {r:7.0}  bare {b:7.0}  checked {c:7.0} \
                     req/s   ours/bare {:.3}  ours/checked {:.3}  run_app/ours {:.3}",
                    a / b,
                    a / c,
                    r / a
                );
            }
            report("ours/bare", &mut to_bare, " (goal >= 0.95)");
            report(
                "ours/checked",
                &mut to_checked,
                " (the framework beyond the read)",
            );
            report("checked/bare", &mut read, " (the read alone)");
            report(
                "run_app/ours",
                &mut entry,
                " (#[http_service] + run_app vs component!; goal 0.98-1.02)",
            );
        }
    });
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let (a, b, c) = (size(&ours_wasm), size(&bare_wasm), size(&checked_wasm));
    println!(
        "\ncomponent size: ours {a} bytes, run_app {} bytes, bare {b} bytes, checked {c} \
         bytes; ours/bare {:.3} (goal <= 1.15)",
        size(&run_app_wasm),
        a as f64 / b as f64
    );
}

/// Prints the median of `ratios` with their range.
fn report(what: &str, ratios: &mut [f64], goal: &str) {
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), r| (l.min(*r), h.max(*r)));
    println!(
        "  median {what}: {:.3} (range {lo:.3}-{hi:.3}){goal}",
        median(ratios)
    );
}
