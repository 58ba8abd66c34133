//! Per-store limits profiles: a platform's documented limits, enforced by the handle so that
//! an over-limit write is a 400 naming the limit instead of a backend failure.
//!
//! Unset, a store takes keys of up to 512 bytes and values of up to 25 MiB (the handle's own
//! rules). Set to a profile of [`KV_LIMIT_PROFILES`], it also takes that platform's key and
//! value sizes and key count.
//!
//! The key count is checked when a write would add a key (one listing of at most 1,025
//! keys), so it costs nothing for updates of existing keys.
//!
//! The profiles themselves — each platform's figures — live with the other `EDGEZERO__*`
//! settings in `edgezero-env` ([`KV_LIMIT_PROFILES`]); this module only applies them.

use bytes::Bytes;

use super::{KvError, KvStore};
use crate::store::paging::KeyPage;

pub use edgezero_env::{
    kv_limits_var as limits_var, resolve_kv_limits as resolve, KvLimits, UnknownProfile,
    KV_LIMIT_PROFILES,
};

fn over(limits: &KvLimits, what: String) -> KvError {
    KvError::Validation(format!("{what} (the `{}` limits)", limits.profile))
}

fn check_key(limits: &KvLimits, key: &str) -> Result<(), KvError> {
    if key.len() > limits.max_key_bytes {
        return Err(over(
            limits,
            format!(
                "key is {} bytes long; the limit is {} bytes",
                key.len(),
                limits.max_key_bytes
            ),
        ));
    }
    Ok(())
}

/// Refuses a value of `len` bytes for `key`.
pub(crate) fn check_len(limits: &KvLimits, key: &str, len: usize) -> Result<(), KvError> {
    if len > limits.max_value_bytes {
        return Err(over(
            limits,
            format!(
                "value of `{}` is {len} bytes long; the limit is {} bytes",
                key.escape_debug(),
                limits.max_value_bytes
            ),
        ));
    }
    Ok(())
}

/// The checks of a write of `key` that need no store: the key, and the value's length when
/// it is known (`len`).
pub(crate) fn check_sizes(limits: &KvLimits, key: &str, len: Option<usize>) -> Result<(), KvError> {
    check_key(limits, key)?;
    match len {
        Some(len) => check_len(limits, key, len),
        None => Ok(()),
    }
}

/// The checks before `entries` are written to `store` in one batch.
pub(crate) async fn check_batch(
    limits: &KvLimits,
    store: &dyn KvStore,
    entries: &[(String, Bytes)],
) -> Result<(), KvError> {
    for (key, value) in entries {
        check_key(limits, key)?;
        check_len(limits, key, value.len())?;
    }
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    check_room(limits, store, &keys).await
}

/// Refuses writes that would add keys past the store's key count.
pub(crate) async fn check_room(
    limits: &KvLimits,
    store: &dyn KvStore,
    new_keys: &[&str],
) -> Result<(), KvError> {
    let mut adding = 0;
    for key in new_keys {
        if !store.exists(key).await? {
            adding += 1;
        }
    }
    if adding == 0 {
        return Ok(());
    }
    let mut count = 0;
    let mut after: Option<String> = None;
    loop {
        let page: KeyPage = store.list_keys_page("", after.as_deref(), 1000).await?;
        count += page.keys.len();
        if count + adding > limits.max_keys {
            return Err(over(
                limits,
                format!(
                    "the store holds {count} keys and may hold at most {}; delete keys before adding new ones",
                    limits.max_keys
                ),
            ));
        }
        match (page.more, page.keys.last()) {
            (true, Some(last)) => after = Some(last.clone()),
            _ => return Ok(()),
        }
    }
}
