//! Per-store limits profiles: a platform's documented limits, enforced by the handle so that
//! an over-limit write is a 400 naming the limit instead of a backend failure.
//!
//! | `EDGEZERO__STORES__KV__<ID>__LIMITS` | keys | values | keys per store |
//! |---|---|---|---|
//! | unset | 512 bytes | 25 MiB | — |
//! | `fermyon-cloud` | 255 bytes | 1 MiB | 1,024 |
//!
//! The key count is checked when a write would add a key (one listing of at most 1,025
//! keys), so it costs nothing for updates of existing keys.

use bytes::Bytes;

use super::{KvError, KvStore};
use crate::store::paging::KeyPage;

/// The limits of one profile.
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

/// Fermyon Cloud's documented key-value limits.
pub const FERMYON_CLOUD: KvLimits = KvLimits {
    profile: "fermyon-cloud",
    max_key_bytes: 255,
    max_value_bytes: 1024 * 1024,
    max_keys: 1024,
};

/// `EDGEZERO__STORES__KV__<ID>__LIMITS`.
pub fn limits_var(id: &str) -> String {
    crate::env::store_var(crate::env::StoreKind::Kv, id, "LIMITS")
}

/// `EDGEZERO__STORES__KV__<ID>__LIMITS` names no known profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var} is `{}`; the known profile is `fermyon-cloud` (or leave it unset)", value.escape_debug())]
pub struct UnknownProfile {
    /// The variable.
    pub var: String,
    /// Its value, trimmed.
    pub value: String,
}

/// The limits profile of KV store `id`, if one is set.
pub fn resolve(
    id: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<KvLimits>, UnknownProfile> {
    let var = limits_var(id);
    match lookup(&var).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("fermyon-cloud") => Ok(Some(FERMYON_CLOUD)),
        Some(other) => Err(UnknownProfile {
            value: other.to_string(),
            var,
        }),
    }
}

impl KvLimits {
    fn over(&self, what: String) -> KvError {
        KvError::Validation(format!("{what} (the `{}` limits)", self.profile))
    }

    fn check_key(&self, key: &str) -> Result<(), KvError> {
        if key.len() > self.max_key_bytes {
            return Err(self.over(format!(
                "key is {} bytes long; the limit is {} bytes",
                key.len(),
                self.max_key_bytes
            )));
        }
        Ok(())
    }

    /// Refuses a value of `len` bytes for `key`.
    pub(crate) fn check_len(&self, key: &str, len: usize) -> Result<(), KvError> {
        if len > self.max_value_bytes {
            return Err(self.over(format!(
                "value of `{}` is {len} bytes long; the limit is {} bytes",
                key.escape_debug(),
                self.max_value_bytes
            )));
        }
        Ok(())
    }

    fn check_value(&self, key: &str, len: usize) -> Result<(), KvError> {
        self.check_key(key)?;
        self.check_len(key, len)
    }

    /// The checks of a write of `key` that need no store: the key, and the value's length
    /// when it is known (`len`).
    pub(crate) fn check_sizes(&self, key: &str, len: Option<usize>) -> Result<(), KvError> {
        self.check_key(key)?;
        match len {
            Some(len) => self.check_len(key, len),
            None => Ok(()),
        }
    }

    /// The checks before `entries` are written to `store` in one batch.
    pub(crate) async fn check_batch(
        &self,
        store: &dyn KvStore,
        entries: &[(String, Bytes)],
    ) -> Result<(), KvError> {
        for (key, value) in entries {
            self.check_value(key, value.len())?;
        }
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        self.check_room(store, &keys).await
    }

    /// Refuses writes that would add keys past the store's key count.
    pub(crate) async fn check_room(
        &self,
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
            if count + adding > self.max_keys {
                return Err(self.over(format!(
                    "the store holds {count} keys and may hold at most {}; delete keys before adding new ones",
                    self.max_keys
                )));
            }
            match (page.more, page.keys.last()) {
                (true, Some(last)) => after = Some(last.clone()),
                _ => return Ok(()),
            }
        }
    }
}
