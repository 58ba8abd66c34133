//! `EDGEZERO__*` environment variables: everything of [`edgezero_env`] (the names, defaults
//! and parsing every EdgeZero crate shares), plus the log level, which needs `log`.
//!
//! | variable | meaning |
//! |---|---|
//! | `EDGEZERO__STORES__<KIND>__<ID>__NAME` | platform name (Spin label) of a logical store; unset or blank → the id |
//! | `EDGEZERO__STORES__KV__<ID>__MAX_LIST_KEYS` | listing cap of a KV store on platforms that list client-side (default 1000) |
//! | `EDGEZERO__STORES__KV__<ID>__LIMITS` | a platform's KV limits for a store (profiles: `edgezero_env::KV_LIMIT_PROFILES`; applied by [`crate::store::kv::limits`]) |
//! | `EDGEZERO__ADAPTER__MAX_BODY_BYTES` | request body limit (default 32 MiB) |
//! | `EDGEZERO__HTTP__TIMEOUT_MS` | how long an outbound request may go without progress (default 30000, see [`crate::fetch`]) |
//! | `EDGEZERO__CONFIG__VERSION_CHECK_MS` | how long a typed config is used without reading `config.version` (see [`crate::app_config`]) |
//! | `EDGEZERO__LOGGING__LEVEL` | `error`, `warn`, `info`, `debug` or `trace` |
//!
//! `<KIND>` is `KV`, `CONFIG` or `SECRETS`; `<ID>` is the logical id upper-cased. The
//! servers' own settings (listen address, header-read and request timeouts) are read by the
//! adapter or host that runs the server.

pub use edgezero_env::*;

/// The log level from `EDGEZERO__LOGGING__LEVEL` (default `info`).
pub fn resolve_log_level(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<log::LevelFilter, EnvError> {
    const VAR: &str = "EDGEZERO__LOGGING__LEVEL";
    match lookup(VAR) {
        None => Ok(log::LevelFilter::Info),
        Some(v) if v.trim().is_empty() => Ok(log::LevelFilter::Info),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| EnvError::new(VAR, v, "one of off, error, warn, info, debug, trace")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_level() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            resolve_log_level(&env(&[])).unwrap(),
            log::LevelFilter::Info
        );
        assert_eq!(
            resolve_log_level(&env(&[("EDGEZERO__LOGGING__LEVEL", "debug")])).unwrap(),
            log::LevelFilter::Debug
        );
        let err = resolve_log_level(&env(&[("EDGEZERO__LOGGING__LEVEL", "loud")])).unwrap_err();
        assert_eq!(err.var(), "EDGEZERO__LOGGING__LEVEL");
    }
}
