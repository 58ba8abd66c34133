//! `EDGEZERO__*` environment variables: the one spelling of each name, its default, and its
//! parsing. No dependencies, so that the framework (`edgezero-core`, the adapters), the
//! embedded Spin host and the CLI all read the same names the same way.
//!
//! | variable | meaning | read by |
//! |---|---|---|
//! | `EDGEZERO__STORES__<KIND>__<ID>__NAME` | platform name (Spin label) of a logical store; unset or blank → the id | adapters, CLI |
//! | `EDGEZERO__STORES__KV__<ID>__MAX_LIST_KEYS` | listing cap of a KV store on platforms that list client-side (default 1000) | adapters |
//! | `EDGEZERO__STORES__KV__<ID>__LIMITS` | a platform's KV limits for a store, enforced wherever the app runs: `fermyon-cloud` ([`KV_LIMIT_PROFILES`]; checked by `edgezero_core::store::kv::limits`) | core |
//! | `EDGEZERO__ADAPTER__HOST` / `EDGEZERO__ADAPTER__PORT` | where the native server listens | native adapter |
//! | `EDGEZERO__ADAPTER__MAX_BODY_BYTES` | request body limit (default 32 MiB) | adapters, embedded host |
//! | `EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS` | time to send complete request headers (default 10000) | native server, embedded host |
//! | `EDGEZERO__SERVER__REQUEST_TIMEOUT_MS` | longest a request may run in the embedded Spin host (default: no limit) | embedded host |
//! | `EDGEZERO__HTTP__TIMEOUT_MS` | how long an outbound request may go without progress (default 30000) | adapters |
//! | `EDGEZERO__CONFIG__VERSION_CHECK_MS` | how long a typed config is used without reading `config.version` (default 0) | core |
//! | `EDGEZERO__KV__GROUP_COMMIT` | `off`: each write to a SQLite key-value file commits alone instead of sharing a transaction with concurrent writes (default `on`; for measuring) | native adapter, embedded host |
//! | `EDGEZERO__LOGGING__LEVEL` | `error`, `warn`, `info`, `debug` or `trace` | adapters (`edgezero_core::env::resolve_log_level`) |
//!
//! `<KIND>` is `KV`, `CONFIG` or `SECRETS`; `<ID>` is the logical id upper-cased. Each
//! setting is parsed by the crate that uses it, with [`millis`] and [`EnvError`] from here;
//! the header-read and request timeouts live with the servers
//! (`edgezero_adapter_native::ServerConfig`, `edgezero_spin_host::HostConfig`).

#![warn(missing_docs)]

use std::fmt;
use std::time::Duration;

/// The largest request head (request line and headers) an EdgeZero server or adapter takes:
/// a bigger one is answered 431 before the app runs, on every platform (the native server,
/// the embedded Spin host, the Fastly adapter). Below `wasi:http`'s 128 KiB limit on a
/// request's fields, so every header an app receives it can also forward.
pub const MAX_REQUEST_HEAD_BYTES: usize = 64 * 1024;

/// Default listing cap for client-side paged KV stores.
pub const DEFAULT_MAX_LIST_KEYS: usize = 1000;
/// Default request body limit.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// Default time an outbound request may go without progress (`EDGEZERO__HTTP__TIMEOUT_MS`).
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// `EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS`: how long a connection may take to send a
/// request's complete headers (native server, embedded Spin host; each parses it).
pub const HEADER_READ_TIMEOUT_VAR: &str = "EDGEZERO__SERVER__HEADER_READ_TIMEOUT_MS";
/// `EDGEZERO__SERVER__REQUEST_TIMEOUT_MS`: the longest a request may run in the embedded
/// Spin host.
pub const REQUEST_TIMEOUT_VAR: &str = "EDGEZERO__SERVER__REQUEST_TIMEOUT_MS";

/// A variable is set to a value it does not take. The message names the variable, what it
/// takes and the value found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError {
    var: String,
    value: String,
    expected: String,
}

impl EnvError {
    /// `var` holds `value`, which is not `expected` (e.g. "a positive integer").
    pub fn new(
        var: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        EnvError {
            var: var.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// The variable's name.
    pub fn var(&self) -> &str {
        &self.var
    }

    /// The value found.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be {}, got `{}`",
            self.var, self.expected, self.value
        )
    }
}

impl std::error::Error for EnvError {}

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
) -> Result<usize, EnvError> {
    let var = max_list_keys_var(id);
    match lookup(&var) {
        None => Ok(DEFAULT_MAX_LIST_KEYS),
        Some(v) if v.trim().is_empty() => Ok(DEFAULT_MAX_LIST_KEYS),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(EnvError::new(var, v, "a positive integer")),
        },
    }
}

/// The request body limit from `EDGEZERO__ADAPTER__MAX_BODY_BYTES`.
pub fn resolve_max_body_bytes(lookup: &dyn Fn(&str) -> Option<String>) -> Result<usize, EnvError> {
    const VAR: &str = "EDGEZERO__ADAPTER__MAX_BODY_BYTES";
    match lookup(VAR) {
        None => Ok(DEFAULT_MAX_BODY_BYTES),
        Some(v) if v.trim().is_empty() => Ok(DEFAULT_MAX_BODY_BYTES),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| EnvError::new(VAR, v, "a positive number of bytes")),
    }
}

/// Milliseconds from `var`: `None` when unset or blank; an error naming the variable and
/// `example` when it is not a number, or is 0 and `zero_ok` is false.
pub fn millis(
    lookup: &dyn Fn(&str) -> Option<String>,
    var: &str,
    zero_ok: bool,
    example: &str,
) -> Result<Option<Duration>, EnvError> {
    let Some(v) = lookup(var).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    match v.trim().parse::<u64>() {
        Ok(ms) if ms > 0 || zero_ok => Ok(Some(Duration::from_millis(ms))),
        _ if zero_ok => Err(EnvError::new(
            var,
            v,
            format!("a number of milliseconds such as {example} (0: check on every request)"),
        )),
        _ => Err(EnvError::new(
            var,
            v,
            format!("a positive number of milliseconds such as {example}"),
        )),
    }
}

/// How long an outbound request may go without progress, from `EDGEZERO__HTTP__TIMEOUT_MS`
/// (default [`DEFAULT_HTTP_TIMEOUT`], 30 s): connecting, sending, waiting for the response
/// head, and between response body chunks.
pub fn resolve_http_timeout(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Duration, EnvError> {
    Ok(
        millis(lookup, "EDGEZERO__HTTP__TIMEOUT_MS", false, "30000")?
            .unwrap_or(DEFAULT_HTTP_TIMEOUT),
    )
}

/// How long a typed config is used without reading `config.version` again, from
/// `EDGEZERO__CONFIG__VERSION_CHECK_MS`. Unset or `0` (the default): every request that uses
/// it reads the version, so a pushed change shows at the next request.
pub fn resolve_config_version_check(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Duration, EnvError> {
    Ok(millis(lookup, "EDGEZERO__CONFIG__VERSION_CHECK_MS", true, "1000")?.unwrap_or_default())
}

/// A platform's documented key-value limits, applied to a store with
/// `EDGEZERO__STORES__KV__<ID>__LIMITS=<profile>` so that an app meets them wherever it runs
/// (natively, in the embedded host) before it is deployed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvLimits {
    /// The profile's name, as set in the variable.
    pub profile: &'static str,
    /// Longest key, in bytes.
    pub max_key_bytes: usize,
    /// Largest value, in bytes.
    pub max_value_bytes: usize,
    /// Most keys one store may hold.
    pub max_keys: usize,
}

/// Fermyon Cloud's documented key-value limits: keys up to 255 bytes, values up to 1 MiB,
/// 1,024 keys per store.
pub const FERMYON_CLOUD: KvLimits = KvLimits {
    profile: "fermyon-cloud",
    max_key_bytes: 255,
    max_value_bytes: 1024 * 1024,
    max_keys: 1024,
};

/// Every profile `EDGEZERO__STORES__KV__<ID>__LIMITS` takes.
pub const KV_LIMIT_PROFILES: &[KvLimits] = &[FERMYON_CLOUD];

/// `EDGEZERO__STORES__KV__<ID>__LIMITS`.
pub fn kv_limits_var(id: &str) -> String {
    store_var(StoreKind::Kv, id, "LIMITS")
}

/// `EDGEZERO__STORES__KV__<ID>__LIMITS` names no known profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProfile {
    /// The variable.
    pub var: String,
    /// Its value, trimmed.
    pub value: String,
}

impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<String> = KV_LIMIT_PROFILES
            .iter()
            .map(|p| format!("`{}`", p.profile))
            .collect();
        write!(
            f,
            "{} is `{}`; the known profiles are {} (or leave it unset)",
            self.var,
            self.value.escape_debug(),
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownProfile {}

/// The limits profile of KV store `id`, if one is set.
pub fn resolve_kv_limits(
    id: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<KvLimits>, UnknownProfile> {
    let var = kv_limits_var(id);
    match lookup(&var).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) => KV_LIMIT_PROFILES
            .iter()
            .find(|p| p.profile == name)
            .copied()
            .map(Some)
            .ok_or_else(|| UnknownProfile {
                value: name.to_string(),
                var,
            }),
    }
}

/// `EDGEZERO__KV__GROUP_COMMIT`: see [`resolve_group_commit`].
pub const GROUP_COMMIT_VAR: &str = "EDGEZERO__KV__GROUP_COMMIT";

/// Whether concurrent writes to a SQLite key-value file share one transaction (group
/// commit, the default) or each commit alone, from `EDGEZERO__KV__GROUP_COMMIT`
/// (`on`/`off`, `true`/`false`, `1`/`0`). Both are equally durable; turning it off only
/// makes concurrent writes slower, and exists to measure the difference.
pub fn resolve_group_commit(lookup: &dyn Fn(&str) -> Option<String>) -> Result<bool, EnvError> {
    let Some(v) = lookup(GROUP_COMMIT_VAR).filter(|v| !v.trim().is_empty()) else {
        return Ok(true);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err(EnvError::new(GROUP_COMMIT_VAR, v, "`on` or `off`")),
    }
}

/// Reads the process environment (the component environment on Spin).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn group_commit_is_on_unless_turned_off() {
        let with = |v: &'static str| move |_: &str| Some(v.to_string());
        assert!(resolve_group_commit(&|_| None).unwrap());
        assert!(resolve_group_commit(&with("on")).unwrap());
        assert!(!resolve_group_commit(&with("OFF")).unwrap());
        assert!(!resolve_group_commit(&with("0")).unwrap());
        let err = resolve_group_commit(&with("maybe"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(GROUP_COMMIT_VAR) && err.contains("maybe"),
            "{err}"
        );
    }

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
            assert_eq!(err.var(), "EDGEZERO__STORES__KV__CACHE__MAX_LIST_KEYS");
            assert_eq!(
                err.to_string(),
                format!("EDGEZERO__STORES__KV__CACHE__MAX_LIST_KEYS must be a positive integer, got `{bad}`")
            );
        }
    }

    #[test]
    fn body_limit_names_the_variable() {
        assert_eq!(
            resolve_max_body_bytes(&env(&[])).unwrap(),
            DEFAULT_MAX_BODY_BYTES
        );
        assert_eq!(
            resolve_max_body_bytes(&env(&[("EDGEZERO__ADAPTER__MAX_BODY_BYTES", " 10 ")])).unwrap(),
            10
        );
        assert_eq!(
            resolve_max_body_bytes(&env(&[("EDGEZERO__ADAPTER__MAX_BODY_BYTES", "0")]))
                .unwrap_err()
                .to_string(),
            "EDGEZERO__ADAPTER__MAX_BODY_BYTES must be a positive number of bytes, got `0`"
        );
    }

    #[test]
    fn http_timeout_defaults_to_thirty_seconds_and_names_the_variable() {
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
            let err = resolve_http_timeout(&env(&[("EDGEZERO__HTTP__TIMEOUT_MS", bad)]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("EDGEZERO__HTTP__TIMEOUT_MS") && err.contains(bad),
                "{err}"
            );
        }
    }

    #[test]
    fn version_check_takes_zero() {
        let var = "EDGEZERO__CONFIG__VERSION_CHECK_MS";
        assert_eq!(
            resolve_config_version_check(&env(&[(var, "0")])).unwrap(),
            Duration::ZERO
        );
        assert_eq!(
            resolve_config_version_check(&env(&[(var, "soon")]))
                .unwrap_err()
                .to_string(),
            "EDGEZERO__CONFIG__VERSION_CHECK_MS must be a number of milliseconds such as 1000 (0: check on every request), got `soon`"
        );
    }
}
