//! # An embedded, Spin-compatible host
//!
//! Runs a Spin app — `spin.toml` plus an optional `runtime-config.toml` — without the Spin
//! CLI. It runs spin-sdk 6 components (`wasi:http/handler@0.3.0-rc-2026-03-15`) on
//! wasmtime 44 with Spin 4's rules, so an app behaves here as under `spin up`:
//!
//! | Spin feature | here |
//! |---|---|
//! | `[[trigger.http]]` routes `/exact`, `/prefix/...`, `/:name` | most specific route wins; `spin-*` request headers as Spin sets them |
//! | `spin:key-value@3.0.0` | Spin's SQLite file and statements (`.spin/sqlite_key_value.db` next to spin.toml for `default`), or Redis |
//! | `[key_value_store.<label>]` | `type = "spin"` (`path` relative to runtime-config.toml, none = in memory), `type = "redis"` (`url`) |
//! | `spin:variables@3.0.0` | `{{ name }}` templates over `[variables]`; values from `SPIN_VARIABLE_<NAME>`, then defaults |
//! | `environment` | the component's WASI environment (plus `spin up --env`) |
//! | `allowed_outbound_hosts` | outbound HTTP (`wasi:http` client) to allowed hosts only, with Spin's grammar: schemes, `*.domain`, `*`, CIDR, ports, ranges, `{{ variable }}` templates; others get `http-request-denied` and a log line naming the entry to add |
//! | requests to the app itself | `http://self.alt/...` through the app's routes (needs `"http://self"`); service chaining `http://<id>.spin.internal/...` straight to a component, also one with `route = { private = true }` (needs that host allowed); both in the process |
//! | `wasi:keyvalue` | `store`, `atomics`, `batch` on the same labels as `spin:key-value` |
//! | instances | pre-instantiated; each serves up to 128 requests, 16 at a time (Spin 4); memories, tables and stacks come from wasmtime's pooling allocator when the machine can reserve it, as under `spin up` (`SPIN_WASMTIME_POOLING=0\|1`, `SPIN_MAX_INSTANCE_COUNT`, default 1000) |
//!
//! Not provided (an error at load names the key and says to use `spin up`): `files`,
//! `sqlite_databases`, `ai_models`, component `dependencies`, remote `source`s, Wagi,
//! `static_response`, other trigger types and cloud key-value backends.
//!
//! ```no_run
//! use edgezero_spin_host::{run, HostConfig};
//!
//! run(HostConfig::new("examples/counter/crates/counter-adapter-spin/spin.toml")
//!     .listen("127.0.0.1:3000".parse().unwrap()))
//! .unwrap();
//! ```
//!
//! Tests and tools that need the address or to stop the server use [`Host`] directly:
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use edgezero_spin_host::{Host, HostConfig};
//!
//! let config = HostConfig::new("spin.toml").listen("127.0.0.1:0".parse()?);
//! let host = Host::load(&config).await?;
//! let server = host.bind(config.listen).await?;
//! println!("serving on {}", server.local_addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod bindings;
mod config;
mod engine;
mod host;
mod internal;
mod kv;
mod logger;
mod outbound;
mod server;
mod wasi_kv;

pub use config::{HostConfig, UpOptions, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_LISTEN};
pub use edgezero_spin_manifest::{
    default_kv_file, AppVariable, ComponentSpec, LoadError, Manifest, Route, RouteMatch, Router,
    RuntimeConfig, StoreConfig, Template,
};
pub use engine::{MAX_INSTANCE_CONCURRENCY, MAX_INSTANCE_REUSE};
pub use host::{Host, Server, ShutdownHandle};
pub use server::{ResponseBody, MAX_REQUEST_HEAD_BYTES};

/// Loads the app, prints `listening on http://ADDR` to stderr, and serves until Ctrl-C or
/// SIGTERM; then lets requests in flight finish and returns.
///
/// Blocking: it runs its own (multi-threaded) tokio runtime. [`Host`] needs a multi-threaded
/// runtime too: `wasi:keyvalue` calls, synchronous in WIT, run their store access on the
/// calling thread with `block_in_place`. Request logs go to stderr (set `RUST_LOG=warn`
/// to silence them).
pub fn run(config: HostConfig) -> anyhow::Result<()> {
    logger::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let host = Host::load(&config).await?;
        for (id, took) in host.compile_times() {
            log::info!(
                "component \"{id}\" compiled in {:.2}s (cached for later starts)",
                took.as_secs_f64()
            );
        }
        let server = host.bind(config.listen).await?;
        eprintln!("listening on http://{}", server.local_addr());
        for line in host.summary() {
            eprintln!("{line}");
        }
        let stop = server.shutdown_handle();
        tokio::spawn(async move {
            wait_for_signal().await;
            eprintln!("shutting down");
            stop.shutdown();
        });
        server.wait().await;
        // Idle instances end on their own within their idle timeout; the runtime must
        // outlive them, or their workers fail as its timers stop.
        let limit = host.idle_instance_timeout() + std::time::Duration::from_millis(500);
        if !host.wait_for_instances(limit).await {
            log::warn!("instances still running after {limit:?}; stopping anyway");
        }
        anyhow::Ok(())
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
