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

use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use super::kv::{KvError, KvStore, UpdateFn};
use super::paging::KeyPage;

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

/// The limits profile of KV store `id`, if one is set.
pub fn resolve(
    id: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<KvLimits>, String> {
    let var = limits_var(id);
    match lookup(&var).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("fermyon-cloud") => Ok(Some(FERMYON_CLOUD)),
        Some(other) => Err(format!(
            "{var} is `{}`; the known profile is `fermyon-cloud` (or leave it unset)",
            other.escape_debug()
        )),
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

/// A store held to a [`KvLimits`] profile.
///
/// The handles [`Stores`](super::Stores) opens apply a profile themselves, with the same
/// checks in the same order, so that a component carries only the checks of the operations
/// it uses; this wrapper is for a backend used on its own.
pub struct LimitedKv {
    inner: Rc<dyn KvStore>,
    limits: KvLimits,
}

impl LimitedKv {
    /// Wraps `inner`.
    pub fn new(inner: Rc<dyn KvStore>, limits: KvLimits) -> Self {
        LimitedKv { inner, limits }
    }

    async fn check(&self, key: &str, len: Option<usize>, may_add: bool) -> Result<(), KvError> {
        self.limits.check_sizes(key, len)?;
        if may_add {
            self.limits.check_room(&*self.inner, &[key]).await?;
        }
        Ok(())
    }
}

#[async_trait(?Send)]
impl KvStore for LimitedKv {
    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        self.inner.get_bytes(key).await
    }
    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        self.check(key, Some(value.len()), true).await?;
        self.inner.put_bytes(key, value).await
    }
    fn supports_ttl(&self) -> bool {
        self.inner.supports_ttl()
    }
    async fn put_bytes_with_ttl(
        &self,
        key: &str,
        value: Bytes,
        ttl: Duration,
    ) -> Result<(), KvError> {
        self.check(key, Some(value.len()), true).await?;
        self.inner.put_bytes_with_ttl(key, value, ttl).await
    }
    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.inner.delete(key).await
    }
    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.inner.exists(key).await
    }
    async fn list_keys_page(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, KvError> {
        self.inner.list_keys_page(prefix, after, limit).await
    }
    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.check(key, None, true).await?;
        self.inner.increment(key, delta).await
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Bytes,
    ) -> Result<bool, KvError> {
        self.check(key, Some(new.len()), expected.is_none()).await?;
        self.inner.compare_and_swap(key, expected, new).await
    }
    async fn update_bytes(
        &self,
        key: &str,
        update: &mut UpdateFn<'_>,
    ) -> Result<(Option<Bytes>, Bytes), KvError> {
        self.check(key, None, true).await?;
        let limits = self.limits;
        self.inner
            .update_bytes(key, &mut |current| {
                let new = update(current)?;
                limits.check_len(key, new.len())?;
                Ok(new)
            })
            .await
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Bytes>>, KvError> {
        self.inner.get_many(keys).await
    }
    async fn set_many(&self, entries: Vec<(String, Bytes)>) -> Result<(), KvError> {
        self.limits.check_batch(&*self.inner, &entries).await?;
        self.inner.set_many(entries).await
    }
    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        self.inner.delete_many(keys).await
    }
}
