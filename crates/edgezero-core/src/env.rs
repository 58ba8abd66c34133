//! `EDGEZERO__*` environment variables, parsed in one place.
//!
//! | variable | meaning |
//! |---|---|
//! | `EDGEZERO__STORES__<KIND>__<ID>__NAME` | platform name (Spin label) of a logical store; unset or blank → the id |
//! | `EDGEZERO__STORES__KV__<ID>__MAX_LIST_KEYS` | listing cap of a KV store on platforms that list client-side (default 1000) |
//! | `EDGEZERO__STORES__KV__<ID>__LIMITS` | a limits profile for a KV store: `fermyon-cloud` (see [`crate::store::limits`]) |
//! | `EDGEZERO__ADAPTER__HOST` / `EDGEZERO__ADAPTER__PORT` | where the native server listens |
//! | `EDGEZERO__ADAPTER__MAX_BODY_BYTES` | request body limit (default 32 MiB) |
//! | `EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS` | time to send complete request headers (native server, embedded host; default 10000) |
//! | `EDGEZERO__SERVER__REQUEST_TIMEOUT_MS` | longest a request may run in the embedded Spin host (default: no limit) |
//! | `EDGEZERO__HTTP__TIMEOUT_MS` | how long an outbound request may go without progress (native client; default 30000, see [`crate::fetch`]) |
//! | `EDGEZERO__LOGGING__LEVEL` | `error`, `warn`, `info`, `debug` or `trace` |
//!
//! `<KIND>` is `KV`, `CONFIG` or `SECRETS`; `<ID>` is the logical id upper-cased.

/// Default listing cap for client-side paged KV stores.
pub const DEFAULT_MAX_LIST_KEYS: usize = 1000;
/// Default request body limit.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The three kinds of store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// `[stores.kv]`
    Kv,
    /// `[stores.config]`
    Config,
    /// `[stores.secrets]`
    Secrets,
}

impl StoreKind {
    /// The kind as written in `edgezero.toml` (`kv`, `config`, `secrets`).
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Kv => "kv",
            StoreKind::Config => "config",
            StoreKind::Secrets => "secrets",
        }
    }

    fn env_segment(self) -> &'static str {
        match self {
            StoreKind::Kv => "KV",
            StoreKind::Config => "CONFIG",
            StoreKind::Secrets => "SECRETS",
        }
    }
}

/// `EDGEZERO__STORES__<KIND>__<ID>__<SETTING>`: the one spelling of every per-store
/// variable. Built by appending into one allocation, the id upper-cased in place (not with
/// `format!`, nor through a copy): a Spin component resolves these names on every fresh
/// instance.
pub fn store_var(kind: StoreKind, id: &str, setting: &str) -> String {
    const PREFIX: &str = "EDGEZERO__STORES__";
    let kind = kind.env_segment();
    let mut var = String::with_capacity(PREFIX.len() + kind.len() + id.len() + setting.len() + 4);
    var.push_str(PREFIX);
    var.push_str(kind);
    var.push_str("__");
    let start = var.len();
    var.push_str(id);
    var[start..].make_ascii_uppercase();
    var.push_str("__");
    var.push_str(setting);
    var
}

/// `EDGEZERO__STORES__<KIND>__<ID>__NAME`.
pub fn store_name_var(kind: StoreKind, id: &str) -> String {
    store_var(kind, id, "NAME")
}

/// `EDGEZERO__STORES__KV__<ID>__MAX_LIST_KEYS`.
pub fn max_list_keys_var(id: &str) -> String {
    store_var(StoreKind::Kv, id, "MAX_LIST_KEYS")
}

/// The platform name for a logical store: the override when set and not blank, else the id.
pub fn resolve_store_name(
    kind: StoreKind,
    id: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> String {
    match lookup(&store_name_var(kind, id)) {
        Some(v) if !v.trim().is_empty() => v.trim().to_string(),
        _ => id.to_string(),
    }
}

/// The listing cap for a KV id: unset or blank → 1000; otherwise a positive integer, or an
/// error that names the variable.
pub fn resolve_max_list_keys(
    id: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<usize, String> {
    let var = max_list_keys_var(id);
    match lookup(&var) {
        None => Ok(DEFAULT_MAX_LIST_KEYS),
        Some(v) if v.trim().is_empty() => Ok(DEFAULT_MAX_LIST_KEYS),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{var} must be a positive integer, got `{v}`")),
        },
    }
}

/// The request body limit from `EDGEZERO__ADAPTER__MAX_BODY_BYTES`.
pub fn resolve_max_body_bytes(lookup: &dyn Fn(&str) -> Option<String>) -> Result<usize, String> {
    const VAR: &str = "EDGEZERO__ADAPTER__MAX_BODY_BYTES";
    match lookup(VAR) {
        None => Ok(DEFAULT_MAX_BODY_BYTES),
        Some(v) if v.trim().is_empty() => Ok(DEFAULT_MAX_BODY_BYTES),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{VAR} must be a positive number of bytes, got `{v}`")),
    }
}

/// The log level from `EDGEZERO__LOGGING__LEVEL` (default `info`).
pub fn resolve_log_level(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<log::LevelFilter, String> {
    const VAR: &str = "EDGEZERO__LOGGING__LEVEL";
    match lookup(VAR) {
        None => Ok(log::LevelFilter::Info),
        Some(v) if v.trim().is_empty() => Ok(log::LevelFilter::Info),
        Some(v) => v.trim().parse().map_err(|_| {
            format!("{VAR} must be one of off, error, warn, info, debug, trace; got `{v}`")
        }),
    }
}

/// Default time a client has to send a request's headers (native server, embedded host).
pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 10_000;

/// Milliseconds from `var`: `None` when unset or blank; an error naming the variable and
/// `example` when it is not a number, or is 0 and `zero_ok` is false.
fn millis(
    lookup: &dyn Fn(&str) -> Option<String>,
    var: &str,
    zero_ok: bool,
    example: &str,
) -> Result<Option<std::time::Duration>, String> {
    let Some(v) = lookup(var).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    match v.trim().parse::<u64>() {
        Ok(ms) if ms > 0 || zero_ok => Ok(Some(std::time::Duration::from_millis(ms))),
        _ if zero_ok => Err(format!(
            "{var} must be a number of milliseconds such as {example} (0: check on every request), got `{v}`"
        )),
        _ => Err(format!(
            "{var} must be a positive number of milliseconds such as {example}, got `{v}`"
        )),
    }
}

/// How long a connection may take to send a request's complete headers before the server
/// closes it, from `EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS` (default 10 s). Bounds
/// slow-header ("slowloris") connections on every EdgeZero server.
pub fn resolve_header_read_timeout(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<std::time::Duration, String> {
    Ok(millis(
        lookup,
        "EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS",
        false,
        "10000",
    )?
    .unwrap_or(std::time::Duration::from_millis(
        DEFAULT_HEADER_READ_TIMEOUT_MS,
    )))
}

/// The longest a request may run in the embedded Spin host, from
/// `EDGEZERO__SERVER__REQUEST_TIMEOUT_MS`; unset means no limit (as under `spin up`).
pub fn resolve_request_timeout(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<std::time::Duration>, String> {
    millis(
        lookup,
        "EDGEZERO__SERVER__REQUEST_TIMEOUT_MS",
        false,
        "30000",
    )
}

/// How long an outbound request may go without progress, from `EDGEZERO__HTTP__TIMEOUT_MS`
/// (default [`crate::fetch::DEFAULT_TIMEOUT`], 30 s): connecting, sending, waiting for the
/// response head, and between response body chunks.
pub fn resolve_http_timeout(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<std::time::Duration, String> {
    Ok(
        millis(lookup, "EDGEZERO__HTTP__TIMEOUT_MS", false, "30000")?
            .unwrap_or(crate::fetch::DEFAULT_TIMEOUT),
    )
}

/// How long a typed config ([`crate::AppConfig`]) is used without reading `config.version`
/// again, from `EDGEZERO__CONFIG__VERSION_CHECK_MS`. Unset or `0` (the default): every
/// request that uses it reads the version, so a pushed change shows at the next request.
pub fn resolve_config_version_check(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<std::time::Duration, String> {
    Ok(millis(lookup, "EDGEZERO__CONFIG__VERSION_CHECK_MS", true, "1000")?.unwrap_or_default())
}

/// Reads the process environment (the component environment on Spin).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn names_default_to_the_id_and_can_be_overridden() {
        let e = env(&[
            ("EDGEZERO__STORES__KV__SESSIONS__NAME", "prod-sessions"),
            ("EDGEZERO__STORES__KV__CACHE__NAME", "  "),
        ]);
        assert_eq!(
            resolve_store_name(StoreKind::Kv, "sessions", &e),
            "prod-sessions"
        );
        assert_eq!(resolve_store_name(StoreKind::Kv, "cache", &e), "cache");
        assert_eq!(
            resolve_store_name(StoreKind::Config, "sessions", &e),
            "sessions"
        );
    }

    #[test]
    fn app_config_uses_upper_case_var() {
        assert_eq!(
            store_name_var(StoreKind::Config, "app_config"),
            "EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME"
        );
    }

    #[test]
    fn max_list_keys_rules() {
        assert_eq!(resolve_max_list_keys("cache", &env(&[])).unwrap(), 1000);
        assert_eq!(
            resolve_max_list_keys(
                "cache",
                &env(&[("EDGEZERO__STORES__KV__CACHE__MAX_LIST_KEYS", "")])
            )
            .unwrap(),
            1000
        );
        assert_eq!(
            resolve_max_list_keys(
                "cache",
                &env(&[("EDGEZERO__STORES__KV__CACHE__MAX_LIST_KEYS", "5")])
            )
            .unwrap(),
            5
        );
        for bad in ["0", "-1", "many"] {
            let err = resolve_max_list_keys(
                "cache",
                &env(&[("EDGEZERO__STORES__KV__CACHE__MAX_LIST_KEYS", bad)]),
            )
            .unwrap_err();
            assert!(
                err.contains("EDGEZERO__STORES__KV__CACHE__MAX_LIST_KEYS"),
                "{err}"
            );
        }
    }

    #[test]
    fn http_timeout_defaults_to_thirty_seconds_and_names_the_variable() {
        use std::time::Duration;
        assert_eq!(
            resolve_http_timeout(&env(&[])).unwrap(),
            Duration::from_secs(30)
        );
        assert_eq!(
            resolve_http_timeout(&env(&[("EDGEZERO__HTTP__TIMEOUT_MS", " ")])).unwrap(),
            Duration::from_secs(30)
        );
        assert_eq!(
            resolve_http_timeout(&env(&[("EDGEZERO__HTTP__TIMEOUT_MS", " 750 ")])).unwrap(),
            Duration::from_millis(750)
        );
        for bad in ["0", "-5", "2s", "1.5"] {
            let err =
                resolve_http_timeout(&env(&[("EDGEZERO__HTTP__TIMEOUT_MS", bad)])).unwrap_err();
            assert!(
                err.contains("EDGEZERO__HTTP__TIMEOUT_MS") && err.contains(bad),
                "{err}"
            );
        }
    }

    #[test]
    fn log_level() {
        assert_eq!(
            resolve_log_level(&env(&[])).unwrap(),
            log::LevelFilter::Info
        );
        assert_eq!(
            resolve_log_level(&env(&[("EDGEZERO__LOGGING__LEVEL", "debug")])).unwrap(),
            log::LevelFilter::Debug
        );
        assert!(resolve_log_level(&env(&[("EDGEZERO__LOGGING__LEVEL", "loud")])).is_err());
    }
}
