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
mod engine;
mod host;
mod internal;
mod kv;
mod logger;
mod server;
mod wasi_kv;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use edgezero_spin_manifest::{
    default_kv_file, AppVariable, ComponentSpec, LoadError, Manifest, Route, RouteMatch, Router,
    RuntimeConfig, StoreConfig, Template,
};
pub use engine::{MAX_INSTANCE_CONCURRENCY, MAX_INSTANCE_REUSE};
pub use host::{Host, Server, ShutdownHandle};
pub use server::{ResponseBody, MAX_REQUEST_HEAD_BYTES};

/// The address `spin up` listens on by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
/// Default time a client has to send a request's complete headers
/// (`EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS`).
pub const DEFAULT_HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What to serve, and where.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// The app's `spin.toml` (or the directory that holds it).
    pub spin_toml: PathBuf,
    /// A `runtime-config.toml` (`spin up --runtime-config-file`).
    pub runtime_config: Option<PathBuf>,
    /// Where to listen (default `127.0.0.1:3000`).
    pub listen: SocketAddr,
    /// How long a connection may take to send a request's headers before it is closed
    /// (`EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS`, default 10 s).
    pub header_read_timeout: std::time::Duration,
    /// The longest a request may run in a component before its instance is discarded and
    /// the client gets a 500 (`EDGEZERO__SERVER__REQUEST_TIMEOUT_MS`). `None`, the default,
    /// is no limit, as under `spin up`. Either way a busy guest yields every 10 ms, so one
    /// that loops forever does not stop other requests from being served.
    pub request_timeout: Option<std::time::Duration>,
    /// What `spin up` takes besides its files: `--key-value`, `--env`, `--variable`,
    /// `--state-dir` and the `.env` file (see [`UpOptions`]).
    pub up: UpOptions,
    /// Requests one instance serves before it is replaced: [`MAX_INSTANCE_REUSE`] (Spin 4's
    /// figure) by default; 1 gives every request a fresh instance.
    pub max_instance_reuse: usize,
}

/// `spin up`'s options, with its semantics:
///
/// - `key_values` (`--key-value K=V`) are written into the `default` store before serving;
/// - `env` (`-e K=V`) is added to every component's environment (over spin.toml's);
/// - `variables` (`--variable`) give application variables their values, before
///   `SPIN_VARIABLE_<NAME>` from the process environment, then the `dotenv` file, then the
///   manifest default;
/// - `state_dir` (`--state-dir`) holds the `default` store's file
///   (`<state_dir>/sqlite_key_value.db` instead of `.spin/` next to spin.toml).
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// `--key-value` pairs, in order.
    pub key_values: Vec<(String, String)>,
    /// `-e/--env` pairs.
    pub env: Vec<(String, String)>,
    /// `--variable` values by name.
    pub variables: std::collections::BTreeMap<String, String>,
    /// The `.env` file read for variables (`spin up` reads `.env` in its working directory).
    pub dotenv: Option<PathBuf>,
    /// `--state-dir`.
    pub state_dir: Option<PathBuf>,
}

impl HostConfig {
    /// Serves `spin_toml` on the default address, with no runtime config.
    pub fn new(spin_toml: impl Into<PathBuf>) -> Self {
        HostConfig {
            spin_toml: spin_toml.into(),
            runtime_config: None,
            listen: DEFAULT_LISTEN.parse().expect("a valid default address"),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            request_timeout: None,
            up: UpOptions::default(),
            max_instance_reuse: MAX_INSTANCE_REUSE,
        }
    }

    /// Sets how many requests an instance serves before it is replaced (at least 1).
    pub fn max_instance_reuse(mut self, n: usize) -> Self {
        self.max_instance_reuse = n.max(1);
        self
    }

    /// Sets `spin up`'s options.
    pub fn up(mut self, up: UpOptions) -> Self {
        self.up = up;
        self
    }

    /// Sets the request timeout.
    pub fn request_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Applies `EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS` (how long a connection may take
    /// to send a request's complete headers before it is closed; default 10 s, bounding
    /// slow-header connections) and `EDGEZERO__SERVER__REQUEST_TIMEOUT_MS` (the longest a
    /// request may run; unset means no limit, as under `spin up`) from `lookup`.
    pub fn with_env(self, lookup: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let header = edgezero_env::millis(
            lookup,
            edgezero_env::HEADER_READ_TIMEOUT_VAR,
            false,
            "10000",
        )?
        .unwrap_or(DEFAULT_HEADER_READ_TIMEOUT);
        let request =
            edgezero_env::millis(lookup, edgezero_env::REQUEST_TIMEOUT_VAR, false, "30000")?;
        Ok(self.header_read_timeout(header).request_timeout(request))
    }

    /// Sets the header-read timeout.
    pub fn header_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets the runtime config file.
    pub fn runtime_config(mut self, path: impl Into<PathBuf>) -> Self {
        self.runtime_config = Some(path.into());
        self
    }

    /// Sets the listen address.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }
}

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
