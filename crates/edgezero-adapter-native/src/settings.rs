//! The server's settings: listen address, KV file, limits and timeouts, from the
//! environment and the command line.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use edgezero_core::env;

/// Default listen address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8787";
/// Default KV file, relative to the app's root (the native server's working directory;
/// `edgezero serve` runs it there). Defined by `edgezero-manifest`, which the CLI shares.
pub use edgezero_manifest::NATIVE_KV_FILE as DEFAULT_KV_FILE;
/// Default time a client has to send a request's headers
/// (`EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS`).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Listen address.
    pub addr: SocketAddr,
    /// The SQLite file behind the KV and config stores.
    pub kv_path: PathBuf,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Worker threads.
    pub workers: usize,
    /// How long a connection may take to send a request's headers before it is closed.
    pub header_read_timeout: Duration,
    /// How long an outbound request may go without progress (`EDGEZERO__HTTP__TIMEOUT_MS`).
    pub http_timeout: Duration,
}

/// How long a connection may take to send a request's complete headers before the server
/// closes it, from `EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS` (default 10 s). Bounds
/// slow-header ("slowloris") connections.
pub fn resolve_header_read_timeout(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Duration, env::EnvError> {
    Ok(
        env::millis(lookup, env::HEADER_READ_TIMEOUT_VAR, false, "10000")?
            .unwrap_or(DEFAULT_HEADER_READ_TIMEOUT),
    )
}

/// A server setting (an `EDGEZERO__*` variable or a flag) that cannot be used. The message
/// names the variable or flag and the form it takes. The server exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum ServerConfigError {
    /// `EDGEZERO__ADAPTER__HOST` is not an IP address.
    #[error("EDGEZERO__ADAPTER__HOST must be an IP address such as 127.0.0.1, got `{0}`")]
    Host(String),
    /// `EDGEZERO__ADAPTER__PORT` is not a port number.
    #[error("EDGEZERO__ADAPTER__PORT must be a port number (0-65535), got `{0}`")]
    Port(String),
    /// `EDGEZERO__ADAPTER__WORKERS` is not a positive integer.
    #[error("EDGEZERO__ADAPTER__WORKERS must be a positive integer, got `{0}`")]
    Workers(String),
    /// Another `EDGEZERO__*` setting is invalid.
    #[error(transparent)]
    Env(#[from] env::EnvError),
    /// A flag was given without its value.
    #[error("{flag} needs a value")]
    MissingValue {
        /// The flag, e.g. `--listen`.
        flag: &'static str,
    },
    /// `--listen` is not a socket address.
    #[error("--listen must be an address such as 127.0.0.1:8787, got `{0}`")]
    Listen(String),
    /// An argument the server does not know.
    #[error("unknown argument `{0}`; supported: --listen ADDR, --kv-path FILE")]
    UnknownArgument(String),
}

impl ServerConfig {
    /// Settings from `EDGEZERO__ADAPTER__*` and `EDGEZERO__SERVER__*` variables, with
    /// defaults.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ServerConfigError> {
        let mut addr = SocketAddr::from(([127, 0, 0, 1], 8787));
        if let Some(host) = lookup("EDGEZERO__ADAPTER__HOST").filter(|h| !h.trim().is_empty()) {
            let ip: IpAddr = host
                .trim()
                .parse()
                .map_err(|_| ServerConfigError::Host(host.clone()))?;
            addr.set_ip(ip);
        }
        if let Some(port) = lookup("EDGEZERO__ADAPTER__PORT").filter(|p| !p.trim().is_empty()) {
            let port: u16 = port
                .trim()
                .parse()
                .map_err(|_| ServerConfigError::Port(port.clone()))?;
            addr.set_port(port);
        }
        let kv_path = lookup("EDGEZERO__ADAPTER__KV_PATH")
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_KV_FILE));
        let workers = match lookup("EDGEZERO__ADAPTER__WORKERS").filter(|w| !w.trim().is_empty()) {
            Some(w) => w
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ServerConfigError::Workers(w))?,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        // Read again by the store bindings; checked here so a bad value stops the server at
        // start instead of failing every request that uses a typed config.
        env::resolve_config_version_check(lookup)?;
        Ok(ServerConfig {
            addr,
            kv_path,
            max_body_bytes: env::resolve_max_body_bytes(lookup)?,
            workers,
            header_read_timeout: resolve_header_read_timeout(lookup)?,
            http_timeout: env::resolve_http_timeout(lookup)?,
        })
    }

    /// Applies command-line flags (`--listen ADDR`, `--kv-path FILE`) over the settings.
    pub fn apply_args(
        mut self,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Self, ServerConfigError> {
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            let mut value = |flag: &'static str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or(ServerConfigError::MissingValue { flag })
            };
            match flag.as_str() {
                "--listen" => {
                    let v = value("--listen")?;
                    self.addr = v.parse().map_err(|_| ServerConfigError::Listen(v))?;
                }
                "--kv-path" => self.kv_path = PathBuf::from(value("--kv-path")?),
                _ => return Err(ServerConfigError::UnknownArgument(flag)),
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgezero_testkit::env_lookup as env;

    #[test]
    fn http_timeout_defaults_to_thirty_seconds_and_is_configurable() {
        let config = ServerConfig::from_env(&env(&[])).unwrap();
        assert_eq!(config.http_timeout, Duration::from_secs(30));
        let config =
            ServerConfig::from_env(&env(&[("EDGEZERO__HTTP__TIMEOUT_MS", "1500")])).unwrap();
        assert_eq!(config.http_timeout, Duration::from_millis(1500));
        let err =
            ServerConfig::from_env(&env(&[("EDGEZERO__HTTP__TIMEOUT_MS", "soon")])).unwrap_err();
        assert!(
            err.to_string().contains("EDGEZERO__HTTP__TIMEOUT_MS"),
            "{err}"
        );
    }

    #[test]
    fn an_invalid_config_version_check_stops_the_server_at_start() {
        let err = ServerConfig::from_env(&env(&[("EDGEZERO__CONFIG__VERSION_CHECK_MS", "soon")]))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("EDGEZERO__CONFIG__VERSION_CHECK_MS"),
            "{err}"
        );
        assert!(
            ServerConfig::from_env(&env(&[("EDGEZERO__CONFIG__VERSION_CHECK_MS", "0")])).is_ok()
        );
    }

    #[test]
    fn header_read_timeout_defaults_to_ten_seconds_and_is_configurable() {
        let config = ServerConfig::from_env(&env(&[])).unwrap();
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.kv_path, PathBuf::from(DEFAULT_KV_FILE));
        let config = ServerConfig::from_env(&env(&[(
            "EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS",
            " 250 ",
        )]))
        .unwrap();
        assert_eq!(config.header_read_timeout, Duration::from_millis(250));
        for bad in ["0", "-1", "10s", "1.5"] {
            let err =
                ServerConfig::from_env(&env(&[("EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS", bad)]))
                    .unwrap_err();
            let err = err.to_string();
            assert!(
                err.contains("EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS")
                    && err.contains("positive number of milliseconds"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_bad_setting_names_the_variable_or_flag_and_its_form() {
        let bad_env = |name: &str, value: &str| {
            ServerConfig::from_env(&env(&[(name, value)]))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            bad_env("EDGEZERO__ADAPTER__HOST", "localhost"),
            "EDGEZERO__ADAPTER__HOST must be an IP address such as 127.0.0.1, got `localhost`"
        );
        assert_eq!(
            bad_env("EDGEZERO__ADAPTER__PORT", "70000"),
            "EDGEZERO__ADAPTER__PORT must be a port number (0-65535), got `70000`"
        );
        assert_eq!(
            bad_env("EDGEZERO__ADAPTER__WORKERS", "0"),
            "EDGEZERO__ADAPTER__WORKERS must be a positive integer, got `0`"
        );
        let bad_args = |args: &[&str]| {
            ServerConfig::from_env(&env(&[]))
                .unwrap()
                .apply_args(args.iter().map(|a| a.to_string()))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(bad_args(&["--listen"]), "--listen needs a value");
        assert_eq!(
            bad_args(&["--listen=here"]),
            "--listen must be an address such as 127.0.0.1:8787, got `here`"
        );
        assert_eq!(
            bad_args(&["--port", "1"]),
            "unknown argument `--port`; supported: --listen ADDR, --kv-path FILE"
        );
        let config = ServerConfig::from_env(&env(&[]))
            .unwrap()
            .apply_args([
                "--listen=0.0.0.0:9000".into(),
                "--kv-path".into(),
                "x.db".into(),
            ])
            .unwrap();
        assert_eq!(config.addr, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(config.kv_path, PathBuf::from("x.db"));
    }

    #[test]
    fn the_default_address_is_default_addr() {
        let config = ServerConfig::from_env(&env(&[])).unwrap();
        assert_eq!(config.addr, DEFAULT_ADDR.parse().unwrap());
    }
}
