//! Key-value stores: the backend trait, its error enum, and the handle handlers use.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::paging::{self, KeyPage};
use super::validate;
use limits::KvLimits;

pub mod limits;

/// Everything that can go wrong with a key-value store.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The request broke an input rule (key, value size, TTL, page limit, cursor). HTTP 400.
    #[error("invalid key-value request: {0}")]
    Validation(String),
    /// The backend cannot do this operation. HTTP 501.
    #[error("operation `{operation}` is not supported by this platform's key-value store")]
    Unsupported {
        /// The operation, e.g. `put_bytes_with_ttl`.
        operation: &'static str,
    },
    /// The store is not atomic on this platform, so it refuses an atomic operation
    /// (`increment`, `compare_and_swap`, and what is built on them) rather than lose
    /// updates. HTTP 501; `fix` says which store to use instead.
    #[error(
        "operation `{operation}` needs an atomic key-value store, and `{store}` is not one: {fix}"
    )]
    NotAtomic {
        /// The operation, e.g. `increment`.
        operation: &'static str,
        /// The logical store id.
        store: String,
        /// How to get an atomic store on this platform.
        fix: String,
    },
    /// A listing matched more keys than the store's cap. HTTP 503.
    #[error(
        "listing key-value store `{store}` matched more than {limit} keys (the cap); \
         narrow the prefix or raise the cap with {env_var}"
    )]
    LimitExceeded {
        /// The logical store id.
        store: String,
        /// The cap in force.
        limit: usize,
        /// The environment variable that raises it.
        env_var: String,
    },
    /// `increment` found a value that is not a counter under `key`. HTTP 409.
    #[error("key `{key}` does not hold a counter (a 64-bit integer written by `increment`); delete it or use another key")]
    NotACounter {
        /// The key, as given.
        key: String,
    },
    /// A compare-and-swap update lost to concurrent writers `attempts` times in a row.
    /// HTTP 503: the request may be retried.
    #[error("key `{key}` changed under {attempts} attempts in a row to update it; too many concurrent writers, retry later")]
    Contention {
        /// The key, as given.
        key: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The store could not be opened or reached. HTTP 503; `reason` is logged, not returned.
    #[error("key-value store `{store}` is unavailable: {reason}")]
    Unavailable {
        /// The logical store id.
        store: String,
        /// What went wrong and how to fix it.
        reason: String,
    },
    /// A handler asked for an id that `[stores.kv]` does not declare. HTTP 500.
    #[error("no key-value store `{0}` is declared; add it to [stores.kv].ids in edgezero.toml")]
    UnknownStore(String),
    /// A setting (usually an `EDGEZERO__*` variable) is invalid. HTTP 500.
    #[error("key-value store is misconfigured: {0}")]
    Misconfigured(String),
    /// Any other backend failure. HTTP 500.
    #[error("key-value backend error: {0}")]
    Internal(String),
}

/// What [`KvStore::update_bytes`] applies: the current value (`None`: absent) to the new one.
pub type UpdateFn<'a> = dyn for<'v> FnMut(Option<&'v [u8]>) -> Result<Bytes, KvError> + 'a;

/// A key-value backend. Implemented by adapters; handlers use [`KvHandle`].
///
/// Inputs reaching a backend have already been validated by the handle.
#[async_trait(?Send)]
pub trait KvStore {
    /// The value stored under `key`, if any.
    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError>;
    /// Stores `value` under `key`, replacing any value (and expiry).
    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError>;
    /// Whether [`KvStore::put_bytes_with_ttl`] can store an expiry. A backend that returns
    /// `false` gets no TTL writes: the handle answers [`KvError::Unsupported`] before it
    /// checks anything else about the TTL.
    fn supports_ttl(&self) -> bool {
        true
    }
    /// Stores `value` under `key` until `ttl` has passed.
    async fn put_bytes_with_ttl(
        &self,
        key: &str,
        value: Bytes,
        ttl: Duration,
    ) -> Result<(), KvError>;
    /// Removes `key`; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), KvError>;
    /// Whether `key` holds a value.
    async fn exists(&self, key: &str) -> Result<bool, KvError>;
    /// Keys starting with `prefix`, strictly after `after`, ascending, at most `limit`.
    async fn list_keys_page(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, KvError>;

    /// Atomically adds `delta` to the counter under `key` (a missing key counts as 0) and
    /// returns the new value. See [`super::atomic`] for the storage format.
    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let _ = (key, delta);
        Err(KvError::Unsupported {
            operation: "increment",
        })
    }

    /// Atomically replaces the value under `key` with `new` if it currently is `expected`
    /// (`None`: if the key is absent). `Ok(false)` when it was not.
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Bytes,
    ) -> Result<bool, KvError> {
        let _ = (key, expected, new);
        Err(KvError::Unsupported {
            operation: "compare_and_swap",
        })
    }

    /// Atomically replaces the value under `key` (`None`: absent) with what `update` makes of
    /// it, and returns `(previous, new)`. The default reads, then writes with
    /// [`KvStore::compare_and_swap`], from a fresh read after each lost race, up to
    /// [`MAX_UPDATE_ATTEMPTS`](super::atomic::MAX_UPDATE_ATTEMPTS) times; a backend that can
    /// read and write without other writers in between does so.
    async fn update_bytes(
        &self,
        key: &str,
        update: &mut UpdateFn<'_>,
    ) -> Result<(Option<Bytes>, Bytes), KvError> {
        for _ in 0..super::atomic::MAX_UPDATE_ATTEMPTS {
            let current = self.get_bytes(key).await?;
            let new = update(current.as_deref())?;
            if self
                .compare_and_swap(key, current.as_deref(), new.clone())
                .await?
            {
                return Ok((current, new));
            }
            super::atomic::yield_now().await;
        }
        Err(KvError::Contention {
            key: key.to_string(),
            attempts: super::atomic::MAX_UPDATE_ATTEMPTS,
        })
    }

    /// Atomically stores `new` under `key` and returns the value it replaced (`None` when
    /// absent). The default is [`KvStore::update_bytes`] with a constant update; a backend
    /// that can swap in one step (one transaction) does.
    async fn exchange_bytes(&self, key: &str, new: Bytes) -> Result<Option<Bytes>, KvError> {
        let (previous, _) = self.update_bytes(key, &mut |_| Ok(new.clone())).await?;
        Ok(previous)
    }

    /// The values of `keys`, in the same order (`None` for a missing key). The default reads
    /// them one by one.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Bytes>>, KvError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.get_bytes(key).await?);
        }
        Ok(out)
    }

    /// Stores every entry. The default writes them one by one; backends that can write
    /// them in one transaction do.
    async fn set_many(&self, entries: Vec<(String, Bytes)>) -> Result<(), KvError> {
        for (key, value) in entries {
            self.put_bytes(&key, value).await?;
        }
        Ok(())
    }

    /// Removes every key. The default removes them one by one.
    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        for key in keys {
            self.delete(key).await?;
        }
        Ok(())
    }
}

/// One page of a listing, as handlers see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ListPage {
    /// Keys in ascending byte order.
    pub keys: Vec<String>,
    /// Pass this back to get the next page; `None` on the last page.
    pub cursor: Option<String>,
}

/// A key-value store opened for one logical id. Validates every input, once, for every backend.
#[derive(Clone)]
pub struct KvHandle {
    id: Arc<str>,
    store: Rc<dyn KvStore>,
    /// The store's limits profile, checked after the handle's own rules.
    limits: Option<KvLimits>,
}

fn invalid(rule: impl std::fmt::Display) -> KvError {
    KvError::Validation(rule.to_string())
}

impl KvHandle {
    /// The backend, for the operations implemented in other modules.
    pub(crate) fn backend(&self) -> &dyn KvStore {
        &*self.store
    }

    /// Wraps a backend opened for the logical id `id`.
    pub fn new(id: impl Into<Arc<str>>, store: Rc<dyn KvStore>) -> Self {
        KvHandle {
            id: id.into(),
            store,
            limits: None,
        }
    }

    /// Holds this handle to a limits profile. The handle applies it, not a wrapping
    /// backend, so that only the operations an app uses carry the checks.
    pub(crate) fn with_limits(mut self, limits: Option<KvLimits>) -> Self {
        self.limits = limits;
        self
    }

    /// The limits profile's checks before a write of `key` reaches the backend: the key, the
    /// value's length when known, and the room for a new key when the write may add one.
    pub(crate) async fn check_limits(
        &self,
        key: &str,
        len: Option<usize>,
        may_add: bool,
    ) -> Result<(), KvError> {
        let Some(limits) = &self.limits else {
            return Ok(());
        };
        limits::check_sizes(limits, key, len)?;
        if may_add {
            limits::check_room(limits, &*self.store, &[key]).await?;
        }
        Ok(())
    }

    /// The limits profile, for checks inside an update.
    pub(crate) fn limits(&self) -> Option<KvLimits> {
        self.limits
    }

    /// The logical store id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The value under `key`.
    pub async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        validate::key(key).map_err(invalid)?;
        self.store.get_bytes(key).await
    }

    /// Stores `value` under `key`.
    pub async fn put_bytes(&self, key: &str, value: impl Into<Bytes>) -> Result<(), KvError> {
        self.put(key, value.into()).await
    }

    async fn put(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        validate::key(key).map_err(invalid)?;
        validate::value(value.len()).map_err(invalid)?;
        self.check_limits(key, Some(value.len()), true).await?;
        self.store.put_bytes(key, value).await
    }

    /// Whether this store can keep values with an expiry ([`KvHandle::put_bytes_with_ttl`]).
    pub fn supports_ttl(&self) -> bool {
        self.store.supports_ttl()
    }

    /// Stores `value` under `key` for `ttl` (60 s to one year). Platforms without expiry
    /// return [`KvError::Unsupported`] (checked first, so a caller never fixes a TTL only to
    /// learn that TTLs are unavailable) and write nothing.
    pub async fn put_bytes_with_ttl(
        &self,
        key: &str,
        value: impl Into<Bytes>,
        ttl: Duration,
    ) -> Result<(), KvError> {
        self.put_with_ttl(key, value.into(), ttl).await
    }

    async fn put_with_ttl(&self, key: &str, value: Bytes, ttl: Duration) -> Result<(), KvError> {
        if !self.store.supports_ttl() {
            return Err(KvError::Unsupported {
                operation: "put_bytes_with_ttl",
            });
        }
        validate::key(key).map_err(invalid)?;
        validate::value(value.len()).map_err(invalid)?;
        validate::ttl(ttl).map_err(invalid)?;
        self.check_limits(key, Some(value.len()), true).await?;
        self.store.put_bytes_with_ttl(key, value, ttl).await
    }

    /// Removes `key`.
    pub async fn delete(&self, key: &str) -> Result<(), KvError> {
        validate::key(key).map_err(invalid)?;
        self.store.delete(key).await
    }

    /// Whether `key` holds a value.
    pub async fn exists(&self, key: &str) -> Result<bool, KvError> {
        validate::key(key).map_err(invalid)?;
        self.store.exists(key).await
    }

    /// One page of keys starting with `prefix`. `cursor` is the value returned with the
    /// previous page (it is bound to the prefix); `limit` is 1 to 1000.
    pub async fn list_keys_page(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, KvError> {
        validate::prefix(prefix).map_err(invalid)?;
        validate::page_limit(limit).map_err(invalid)?;
        let after = match cursor {
            Some(c) => Some(paging::decode_cursor(prefix, c).map_err(invalid)?),
            None => None,
        };
        let page = self
            .store
            .list_keys_page(prefix, after.as_deref(), limit)
            .await?;
        let cursor = match (page.more, page.keys.last()) {
            (true, Some(last)) => Some(paging::encode_cursor(prefix, last)),
            _ => None,
        };
        Ok(ListPage {
            keys: page.keys,
            cursor,
        })
    }

    /// Reads and deserialises a JSON value.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, KvError> {
        match self.get_bytes(key).await? {
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                KvError::Internal(format!("value under `{key}` is not the expected JSON: {e}"))
            }),
            None => Ok(None),
        }
    }

    /// Serialises `value` as JSON and stores it.
    pub async fn put_json<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<(), KvError> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| KvError::Internal(format!("cannot serialise value for `{key}`: {e}")))?;
        self.put_bytes(key, bytes).await
    }

    /// Serialises `value` as JSON and stores it for `ttl`.
    pub async fn put_json_with_ttl<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), KvError> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| KvError::Internal(format!("cannot serialise value for `{key}`: {e}")))?;
        self.put_bytes_with_ttl(key, bytes, ttl).await
    }
}

impl std::fmt::Debug for KvHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    /// A store without expiry whose other operations must never be reached.
    struct NoTtl;

    #[async_trait(?Send)]
    impl KvStore for NoTtl {
        async fn get_bytes(&self, _: &str) -> Result<Option<Bytes>, KvError> {
            unreachable!()
        }
        async fn put_bytes(&self, _: &str, _: Bytes) -> Result<(), KvError> {
            unreachable!()
        }
        fn supports_ttl(&self) -> bool {
            false
        }
        async fn put_bytes_with_ttl(&self, _: &str, _: Bytes, _: Duration) -> Result<(), KvError> {
            unreachable!("the handle refuses TTL writes before reaching the backend")
        }
        async fn delete(&self, _: &str) -> Result<(), KvError> {
            unreachable!()
        }
        async fn exists(&self, _: &str) -> Result<bool, KvError> {
            unreachable!()
        }
        async fn list_keys_page(
            &self,
            _: &str,
            _: Option<&str>,
            _: usize,
        ) -> Result<KeyPage, KvError> {
            unreachable!()
        }
    }

    #[test]
    fn unsupported_ttl_is_reported_before_ttl_validation() {
        let kv = KvHandle::new("cache", Rc::new(NoTtl));
        assert!(!kv.supports_ttl());
        for secs in [0, 5, 120, 400 * 24 * 3600] {
            let err =
                block_on(kv.put_bytes_with_ttl("k", "v", Duration::from_secs(secs))).unwrap_err();
            assert!(
                matches!(
                    err,
                    KvError::Unsupported {
                        operation: "put_bytes_with_ttl"
                    }
                ),
                "ttl {secs}s: {err}"
            );
        }
    }
}
