//! Contract suites: the behaviour every store backend, and every outbound HTTP client
//! ([`http_client_suite`]), must share.
//!
//! Each case reports a [`CaseFailure`] in its [`CaseResult`] instead of panicking, so the
//! same suite runs in a host test, in a native server and inside a WebAssembly
//! component. Cases use their own key prefixes and clean up first, so one store can run
//! the whole suite, repeatedly.

mod atomic;
mod http_client;

use std::time::Duration;

use edgezero_core::store::config::{ConfigError, ConfigHandle};
use edgezero_core::store::kv::{KvError, KvHandle};
use edgezero_core::store::secrets::{SecretError, SecretHandle};

/// Config entries a backend must be seeded with before [`config_suite`] runs.
pub const CONFIG_FIXTURE: &[(&str, &str)] = &[
    ("service.timeout_ms", "2500"),
    ("greeting", "hello, world"),
    ("feature.beta.enabled", "true"),
];

/// The secret a backend must hold before [`secrets_suite`] runs.
pub const SECRET_FIXTURE: (&str, &str) = ("api_token", "s3cr3t-value");

/// What a KV backend supports.
#[derive(Debug, Clone, Copy)]
pub struct KvCapabilities {
    /// `put_bytes_with_ttl` stores with expiry (otherwise it must be `Unsupported`).
    pub ttl: bool,
}

pub use atomic::kv_atomic_suite;
pub use http_client::{http_client_suite, HttpClientTarget};

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The case name.
    pub name: &'static str,
    /// `Ok`, or why the backend failed the case.
    pub result: Result<(), CaseFailure>,
}

/// The results as JSON, `[{"name", "ok", "error"}]`: what a test app running the suites
/// inside a runtime answers, for the test outside to check.
pub fn results_json(results: &[CaseResult]) -> serde_json::Value {
    serde_json::Value::Array(
        results
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "ok": r.result.is_ok(),
                    "error": r.result.as_ref().err().map(ToString::to_string),
                })
            })
            .collect(),
    )
}

impl CaseResult {
    fn new(name: &'static str, result: Result<(), String>) -> Self {
        CaseResult {
            name,
            result: result.map_err(CaseFailure),
        }
    }
}

/// Why a backend failed a case: what it did, and what the contract expects instead (e.g.
/// "a missing key must read as None, got Some(..)"). Its `Display` is that message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CaseFailure(String);

impl CaseFailure {
    /// The failure message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

fn kv_err(e: KvError) -> String {
    format!("unexpected error: {e}")
}

async fn clear(kv: &KvHandle, prefix: &str) -> Result<(), String> {
    let mut cursor: Option<String> = None;
    loop {
        let page = kv
            .list_keys_page(prefix, cursor.as_deref(), 1000)
            .await
            .map_err(kv_err)?;
        for k in &page.keys {
            kv.delete(k).await.map_err(kv_err)?;
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}

async fn kv_round_trip(kv: &KvHandle, _caps: KvCapabilities) -> Result<(), String> {
    clear(kv, "ct:rt:").await?;
    ensure!(
        kv.get_bytes("ct:rt:missing")
            .await
            .map_err(kv_err)?
            .is_none(),
        "a missing key must read as None"
    );
    let binary = vec![0u8, 159, 146, 150, 255, b'\n'];
    kv.put_bytes("ct:rt:bin", binary.clone())
        .await
        .map_err(kv_err)?;
    let got = kv.get_bytes("ct:rt:bin").await.map_err(kv_err)?;
    ensure!(
        got.as_deref() == Some(&binary[..]),
        "binary value changed in a round trip: {got:?}"
    );
    kv.put_bytes("ct:rt:bin", "second").await.map_err(kv_err)?;
    let got = kv.get_bytes("ct:rt:bin").await.map_err(kv_err)?;
    ensure!(
        got.as_deref() == Some(&b"second"[..]),
        "put must overwrite, got {got:?}"
    );
    kv.put_bytes("ct:rt:empty", Vec::new())
        .await
        .map_err(kv_err)?;
    let got = kv.get_bytes("ct:rt:empty").await.map_err(kv_err)?;
    ensure!(
        got.as_deref() == Some(&b""[..]),
        "an empty value must be stored, got {got:?}"
    );
    let unicode = "ct:rt:ключ/✓ spaces";
    kv.put_bytes(unicode, "u").await.map_err(kv_err)?;
    ensure!(
        kv.exists(unicode).await.map_err(kv_err)?,
        "unicode key must exist after put"
    );
    clear(kv, "ct:rt:").await
}

async fn kv_delete_and_exists(kv: &KvHandle, _caps: KvCapabilities) -> Result<(), String> {
    clear(kv, "ct:del:").await?;
    ensure!(
        !kv.exists("ct:del:a").await.map_err(kv_err)?,
        "exists on a missing key must be false"
    );
    kv.put_bytes("ct:del:a", "1").await.map_err(kv_err)?;
    ensure!(
        kv.exists("ct:del:a").await.map_err(kv_err)?,
        "exists after put must be true"
    );
    kv.delete("ct:del:a").await.map_err(kv_err)?;
    ensure!(
        !kv.exists("ct:del:a").await.map_err(kv_err)?,
        "exists after delete must be false"
    );
    ensure!(
        kv.get_bytes("ct:del:a").await.map_err(kv_err)?.is_none(),
        "get after delete must be None"
    );
    kv.delete("ct:del:never")
        .await
        .map_err(|e| format!("deleting a missing key must succeed: {e}"))?;
    Ok(())
}

async fn kv_validation(kv: &KvHandle, _caps: KvCapabilities) -> Result<(), String> {
    let long = "k".repeat(513);
    for key in ["", ".", "..", "a\nb", "nul\0", long.as_str()] {
        match kv.put_bytes(key, "x").await {
            Err(KvError::Validation(_)) => {}
            other => {
                return Err(format!(
                    "put with key {key:?} must fail validation, got {other:?}"
                ))
            }
        }
        match kv.get_bytes(key).await {
            Err(KvError::Validation(_)) => {}
            other => {
                return Err(format!(
                    "get with key {key:?} must fail validation, got {other:?}"
                ))
            }
        }
    }
    for limit in [0, 1001] {
        match kv.list_keys_page("", None, limit).await {
            Err(KvError::Validation(m)) if m.contains("limit") => {}
            other => {
                return Err(format!(
                    "page limit {limit} must fail validation, got {other:?}"
                ))
            }
        }
    }
    Ok(())
}

async fn kv_listing(kv: &KvHandle, _caps: KvCapabilities) -> Result<(), String> {
    clear(kv, "ct:ls:").await?;
    let mut expected: Vec<String> = (0..23).map(|i| format!("ct:ls:p:{i:03}")).collect();
    for k in expected.iter().rev() {
        kv.put_bytes(k, "v").await.map_err(kv_err)?;
    }
    for other in ["ct:ls:q:1", "ct:ls:o:9", "ct:ls:p"] {
        kv.put_bytes(other, "v").await.map_err(kv_err)?;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = kv
            .list_keys_page("ct:ls:p:", cursor.as_deref(), 10)
            .await
            .map_err(kv_err)?;
        pages += 1;
        ensure!(
            page.keys.len() <= 10,
            "a page must hold at most `limit` keys, got {}",
            page.keys.len()
        );
        seen.extend(page.keys);
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        ensure!(pages < 10, "listing did not terminate");
    }
    expected.sort();
    ensure!(
        seen == expected,
        "prefix listing must return every key exactly once, in order; got {seen:?}"
    );
    ensure!(
        pages == 3,
        "23 keys at 10 per page must take 3 pages, took {pages}"
    );

    let all = kv
        .list_keys_page("ct:ls:", None, 1000)
        .await
        .map_err(kv_err)?;
    ensure!(
        all.keys.len() == 26 && all.cursor.is_none(),
        "listing the parent prefix must see all 26 keys, got {:?}",
        all
    );
    ensure!(
        all.keys.first().map(String::as_str) == Some("ct:ls:o:9"),
        "keys must be sorted, got {:?}",
        all.keys
    );

    let exact = kv
        .list_keys_page("ct:ls:p:", None, 23)
        .await
        .map_err(kv_err)?;
    ensure!(
        exact.keys.len() == 23 && exact.cursor.is_none(),
        "a page that holds every key must have no cursor"
    );

    let first = kv
        .list_keys_page("ct:ls:p:", None, 1)
        .await
        .map_err(kv_err)?;
    let cursor = first.cursor.ok_or("a partial page must have a cursor")?;
    match kv.list_keys_page("ct:ls:q:", Some(&cursor), 10).await {
        Err(KvError::Validation(m)) if m.contains("prefix") => {}
        other => {
            return Err(format!(
                "a cursor from another prefix must fail validation, got {other:?}"
            ))
        }
    }
    match kv
        .list_keys_page("ct:ls:p:", Some("not a cursor"), 10)
        .await
    {
        Err(KvError::Validation(_)) => {}
        other => {
            return Err(format!(
                "a garbled cursor must fail validation, got {other:?}"
            ))
        }
    }
    let none = kv
        .list_keys_page("ct:ls:none:", None, 10)
        .await
        .map_err(kv_err)?;
    ensure!(
        none.keys.is_empty() && none.cursor.is_none(),
        "an unmatched prefix must give an empty last page"
    );
    clear(kv, "ct:ls:").await
}

async fn kv_ttl(kv: &KvHandle, caps: KvCapabilities) -> Result<(), String> {
    clear(kv, "ct:ttl:").await?;
    let result = kv
        .put_bytes_with_ttl("ct:ttl:a", "v", Duration::from_secs(120))
        .await;
    if caps.ttl {
        result.map_err(kv_err)?;
        let got = kv.get_bytes("ct:ttl:a").await.map_err(kv_err)?;
        ensure!(
            got.as_deref() == Some(&b"v"[..]),
            "a value with a TTL must be readable before it expires"
        );
        kv.put_bytes("ct:ttl:a", "w").await.map_err(kv_err)?;
        ensure!(
            kv.exists("ct:ttl:a").await.map_err(kv_err)?,
            "a plain put must replace the TTL entry"
        );
    } else {
        match result {
            Err(KvError::Unsupported {
                operation: "put_bytes_with_ttl",
            }) => {}
            other => {
                return Err(format!(
                    "TTL writes must be Unsupported here, got {other:?}"
                ))
            }
        }
        ensure!(
            !kv.exists("ct:ttl:a").await.map_err(kv_err)?,
            "a refused TTL write must write nothing"
        );
    }
    ensure!(
        kv.supports_ttl() == caps.ttl,
        "supports_ttl() is {}, but the backend's capabilities say ttl: {}",
        kv.supports_ttl(),
        caps.ttl
    );
    for secs in [0, 59, 366 * 24 * 3600] {
        let result = kv
            .put_bytes_with_ttl("ct:ttl:b", "v", Duration::from_secs(secs))
            .await;
        match (caps.ttl, result) {
            (true, Err(KvError::Validation(_))) => {}
            // Without TTL support, the answer is "unsupported" whatever the TTL.
            (false, Err(KvError::Unsupported { .. })) => {}
            (_, other) => {
                return Err(format!(
                    "a TTL of {secs}s must fail with {}, got {other:?}",
                    if caps.ttl {
                        "Validation"
                    } else {
                        "Unsupported"
                    }
                ))
            }
        }
    }
    clear(kv, "ct:ttl:").await
}

async fn kv_json(kv: &KvHandle, _caps: KvCapabilities) -> Result<(), String> {
    let value = serde_json::json!({"views": 3, "previous_request": "/counter"});
    kv.put_json("ct:json:a", &value).await.map_err(kv_err)?;
    let back: Option<serde_json::Value> = kv.get_json("ct:json:a").await.map_err(kv_err)?;
    ensure!(
        back.as_ref() == Some(&value),
        "JSON round trip changed the value: {back:?}"
    );
    kv.put_bytes("ct:json:bad", "{not json")
        .await
        .map_err(kv_err)?;
    ensure!(
        kv.get_json::<serde_json::Value>("ct:json:bad")
            .await
            .is_err(),
        "reading garbage as JSON must fail"
    );
    kv.delete("ct:json:a").await.map_err(kv_err)?;
    kv.delete("ct:json:bad").await.map_err(kv_err)
}

/// Runs every KV case against one store.
pub async fn kv_suite(kv: &KvHandle, caps: KvCapabilities) -> Vec<CaseResult> {
    let mut out = Vec::new();
    macro_rules! case {
        ($f:ident) => {
            out.push(CaseResult::new(stringify!($f), $f(kv, caps).await));
        };
    }
    case!(kv_round_trip);
    case!(kv_delete_and_exists);
    case!(kv_validation);
    case!(kv_listing);
    case!(kv_ttl);
    case!(kv_json);
    out
}

fn cfg_err(e: ConfigError) -> String {
    format!("unexpected error: {e}")
}

/// Runs every config case against a store seeded with [`CONFIG_FIXTURE`].
pub async fn config_suite(config: &ConfigHandle) -> Vec<CaseResult> {
    let verbatim = async {
        for (k, v) in CONFIG_FIXTURE {
            let got = config.get(k).await.map_err(cfg_err)?;
            ensure!(
                got.as_deref() == Some(*v),
                "config `{k}` must read back verbatim as {v:?}, got {got:?}"
            );
        }
        ensure!(
            config.get("service").await.map_err(cfg_err)?.is_none(),
            "a key prefix is not a key"
        );
        ensure!(
            config.get("missing.key").await.map_err(cfg_err)?.is_none(),
            "a missing key must read as None"
        );
        Ok(())
    };
    let typed = async {
        let n: Option<u64> = config
            .get_parsed("service.timeout_ms")
            .await
            .map_err(cfg_err)?;
        ensure!(n == Some(2500), "get_parsed must parse numbers, got {n:?}");
        match config.get_parsed::<u64>("greeting").await {
            Err(ConfigError::InvalidValue { key, .. }) if key == "greeting" => Ok(()),
            other => Err(format!(
                "a non-number must be InvalidValue naming the key, got {other:?}"
            )),
        }
    };
    let entries = async {
        let all = config.entries().await.map_err(cfg_err)?;
        for (k, v) in CONFIG_FIXTURE {
            ensure!(
                all.iter().any(|(ek, ev)| ek == k && ev == v),
                "entries() must list `{k}` = {v:?}, got {all:?}"
            );
        }
        ensure!(
            all.windows(2).all(|w| w[0].0 < w[1].0),
            "entries() must be sorted by key, got {all:?}"
        );
        Ok(())
    };
    let validation = async {
        match config.get("").await {
            Err(ConfigError::Validation(_)) => Ok(()),
            other => Err(format!("an empty key must fail validation, got {other:?}")),
        }
    };
    vec![
        CaseResult::new("config_verbatim", verbatim.await),
        CaseResult::new("config_typed", typed.await),
        CaseResult::new("config_entries", entries.await),
        CaseResult::new("config_validation", validation.await),
    ]
}

/// Runs every secret case against a store holding [`SECRET_FIXTURE`].
pub async fn secrets_suite(secrets: &SecretHandle) -> Vec<CaseResult> {
    let (name, value) = SECRET_FIXTURE;
    let read = async {
        let got = secrets
            .get_string(name)
            .await
            .map_err(|e: SecretError| e.to_string())?;
        ensure!(
            got.as_deref() == Some(value),
            "secret `{name}` must read back, got {:?}",
            got.map(|_| "<other value>")
        );
        ensure!(
            secrets.is_set(name).await.map_err(|e| e.to_string())?,
            "is_set must be true for a set secret"
        );
        ensure!(
            !secrets
                .is_set("not_set_anywhere")
                .await
                .map_err(|e| e.to_string())?,
            "an unset secret must be None"
        );
        Ok(())
    };
    let validation = async {
        match secrets.get_bytes("").await {
            Err(SecretError::Validation(_)) => Ok(()),
            other => Err(format!("an empty name must fail validation, got {other:?}")),
        }
    };
    vec![
        CaseResult::new("secrets_read", read.await),
        CaseResult::new("secrets_validation", validation.await),
    ]
}

/// Panics with every failure of a suite (for host tests).
pub fn assert_all_passed(results: &[CaseResult]) {
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| r.result.as_ref().err().map(|e| format!("{}: {e}", r.name)))
        .collect();
    assert!(!results.is_empty(), "the suite ran no cases");
    assert!(
        failures.is_empty(),
        "contract failures:\n{}",
        failures.join("\n")
    );
}
