//! What the host serves and how: [`HostConfig`] and `spin up`'s options ([`UpOptions`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::engine::MAX_INSTANCE_REUSE;

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
