//! Atomic and batch key-value operations: counters, compare-and-swap, and many keys at once.
//!
//! Every counter in the seeds' apps does get → +1 → set, and loses updates when requests
//! run at the same time (Spin 4 runs up to 16 requests of an instance at once, and several
//! instances). These operations are atomic on every backend:
//!
//! | operation | in-memory | native SQLite | Spin (`wasi:keyvalue`) |
//! |---|---|---|---|
//! | [`KvHandle::increment`] | one lock | one `BEGIN IMMEDIATE` transaction | `atomics.increment` |
//! | [`KvHandle::compare_and_swap`] | one lock | one transaction | `atomics.cas` + `swap` |
//! | [`KvHandle::get_many`] / [`KvHandle::set_many`] / [`KvHandle::delete_many`] | one lock | one transaction | `batch.*` |
//!
//! **Counters** are stored as Spin's SQLite store keeps them: the 8 bytes of a
//! little-endian `i64`, so a counter written here is read by `spin up` and the other way
//! round (Spin's Redis store keeps the decimal text, as Redis `INCRBY` does). A missing key
//! counts as 0. `increment` on a key that holds anything else is
//! [`KvError::NotACounter`] (HTTP 409), checked before the backend is called. Read a counter
//! with [`KvHandle::counter`] (an increment by 0: exact on every backend).
//!
//! **Compare-and-swap** takes the value the caller last read (`None`: only if absent) and
//! answers `Ok(false)` when the key holds something else. On Spin, "only if absent" is as
//! strong as Spin makes it: Spin's SQLite store writes a missing key with an upsert, so two
//! writers that both saw the key absent can both succeed; swaps of an existing value are
//! exact. [`KvHandle::update_json`] retries a read-modify-write on compare-and-swap, and gives
//! up with [`KvError::Contention`] (HTTP 503) after [`MAX_UPDATE_ATTEMPTS`] lost races.
//!
//! **Batches** take at most [`MAX_BATCH_KEYS`] keys, each checked as a single key would be.
//!
//! ```
//! # use edgezero_core::store::kv::KvHandle;
//! # async fn demo(kv: KvHandle) -> Result<(), edgezero_core::store::kv::KvError> {
//! let views = kv.increment("views", 1).await?;                 // atomic +1
//! kv.set_many([("a", "1"), ("b", "2")]).await?;
//! let values = kv.get_many(["a", "b", "c"]).await?;            // [("a", Some), ("b", Some), ("c", None)]
//! let visits: u64 = kv.update_json("stats", |old: Option<u64>| old.unwrap_or(0) + 1).await?;
//! # let _ = (views, values, visits); Ok(()) }
//! ```

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::kv::{KvError, KvHandle, UpdateFn};
use super::validate;

/// Most keys one batch operation takes.
pub const MAX_BATCH_KEYS: usize = 1000;
/// Attempts [`KvHandle::update_json`] makes before it reports [`KvError::Contention`]. Each
/// lost race means another writer succeeded, so under fair scheduling even dozens of
/// writers on one key finish long before this.
pub const MAX_UPDATE_ATTEMPTS: u32 = 1000;

/// Lets other tasks of this executor run once (after a lost compare-and-swap, so that the
/// writer that won can finish instead of racing again at once). Needs no timer, so it works
/// in a component as well as natively.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// The stored form of a counter: a little-endian `i64` (Spin's SQLite format).
pub fn encode_counter(value: i64) -> [u8; 8] {
    value.to_le_bytes()
}

/// Reads a stored counter: 8 little-endian bytes, or (as Spin's Redis store keeps them)
/// the decimal text of an integer of another length. `None` for anything else.
pub fn decode_counter(bytes: &[u8]) -> Option<i64> {
    if let Ok(raw) = <[u8; 8]>::try_from(bytes) {
        return Some(i64::from_le_bytes(raw));
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

fn invalid(rule: impl std::fmt::Display) -> KvError {
    KvError::Validation(rule.to_string())
}

fn check_batch<K: AsRef<str>>(keys: &[K]) -> Result<(), KvError> {
    if keys.len() > MAX_BATCH_KEYS {
        return Err(invalid(format!(
            "a batch has {} keys; the limit is {MAX_BATCH_KEYS}",
            keys.len()
        )));
    }
    for key in keys {
        validate::key(key.as_ref())
            .map_err(|rule| invalid(format!("key `{}`: {rule}", key.as_ref().escape_debug())))?;
    }
    Ok(())
}

impl KvHandle {
    /// Atomically adds `delta` (which may be negative) to the counter under `key` and returns
    /// the new value; a missing key counts as 0. A key holding anything but a counter is
    /// [`KvError::NotACounter`]; a result outside `i64` is a [`KvError::Validation`].
    pub async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        validate::key(key).map_err(invalid)?;
        self.check_limits(key, None, true).await?;
        self.backend().increment(key, delta).await
    }

    /// The counter under `key`: `increment(key, 0)`, so the backend reads its own format
    /// exactly (a missing key is created at 0).
    pub async fn counter(&self, key: &str) -> Result<i64, KvError> {
        self.increment(key, 0).await
    }

    /// Atomically replaces the value under `key` with `new` if it is `expected` now
    /// (`None`: only if the key is absent). `Ok(false)` when it was not; nothing is written.
    pub async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: impl Into<Bytes>,
    ) -> Result<bool, KvError> {
        self.cas(key, expected, new.into()).await
    }

    async fn cas(&self, key: &str, expected: Option<&[u8]>, new: Bytes) -> Result<bool, KvError> {
        validate::key(key).map_err(invalid)?;
        validate::value(new.len()).map_err(invalid)?;
        self.check_limits(key, Some(new.len()), expected.is_none())
            .await?;
        self.backend().compare_and_swap(key, expected, new).await
    }

    /// The values of `keys`, in the order asked, each with its key (`None` when missing).
    pub async fn get_many<K: AsRef<str>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<(String, Option<Bytes>)>, KvError> {
        let keys: Vec<String> = keys.into_iter().map(|k| k.as_ref().to_string()).collect();
        check_batch(&keys)?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values = self.backend().get_many(&keys).await?;
        if values.len() != keys.len() {
            return Err(KvError::Internal(format!(
                "the backend answered {} values for {} keys",
                values.len(),
                keys.len()
            )));
        }
        Ok(keys.into_iter().zip(values).collect())
    }

    /// Stores every `(key, value)`; in one transaction where the backend has them.
    pub async fn set_many<K: AsRef<str>, V: Into<Bytes>>(
        &self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), KvError> {
        let entries: Vec<(String, Bytes)> = entries
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.into()))
            .collect();
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        check_batch(&keys)?;
        for (key, value) in &entries {
            validate::value(value.len())
                .map_err(|rule| invalid(format!("value of `{}`: {rule}", key.escape_debug())))?;
        }
        if entries.is_empty() {
            return Ok(());
        }
        if let Some(limits) = self.limits() {
            super::kv::limits::check_batch(&limits, self.backend(), &entries).await?;
        }
        self.backend().set_many(entries).await
    }

    /// Removes every key (missing keys are not an error).
    pub async fn delete_many<K: AsRef<str>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<(), KvError> {
        let keys: Vec<String> = keys.into_iter().map(|k| k.as_ref().to_string()).collect();
        check_batch(&keys)?;
        if keys.is_empty() {
            return Ok(());
        }
        self.backend().delete_many(&keys).await
    }

    /// Atomically stores `new` under `key` and returns the value it replaced (`None` when
    /// absent): concurrent exchanges each see a different previous value, as if they ran one
    /// after another. [`KvError::Contention`] when the backend's retries run out.
    pub async fn exchange(
        &self,
        key: &str,
        new: impl Into<Bytes>,
    ) -> Result<Option<Bytes>, KvError> {
        self.exchange_bytes(key, new.into()).await
    }

    async fn exchange_bytes(&self, key: &str, new: Bytes) -> Result<Option<Bytes>, KvError> {
        validate::key(key).map_err(invalid)?;
        validate::value(new.len()).map_err(invalid)?;
        // The same checks, in the same order, as `update` makes for a constant update.
        self.check_limits(key, None, true).await?;
        if let Some(limits) = self.limits() {
            super::kv::limits::check_len(&limits, key, new.len())?;
        }
        self.backend().exchange_bytes(key, new).await
    }

    /// [`KvStore::update_bytes`](super::kv::KvStore::update_bytes) with the store's limits
    /// profile: the key and the room first, then the length of each value `update` makes.
    async fn update(
        &self,
        key: &str,
        update: &mut UpdateFn<'_>,
    ) -> Result<(Option<Bytes>, Bytes), KvError> {
        self.check_limits(key, None, true).await?;
        let Some(limits) = self.limits() else {
            return self.backend().update_bytes(key, update).await;
        };
        self.backend()
            .update_bytes(key, &mut |current| {
                let new = update(current)?;
                super::kv::limits::check_len(&limits, key, new.len())?;
                Ok(new)
            })
            .await
    }

    /// Reads the JSON value under `key`, passes it to `update` (`None` when missing), and
    /// stores the result atomically: with compare-and-swap retried from a fresh read when
    /// another writer got there first (at most [`MAX_UPDATE_ATTEMPTS`] times, then
    /// [`KvError::Contention`]), or in one step where the backend can. Returns what was
    /// stored; nothing partial is ever written.
    pub async fn update_json<T, F>(&self, key: &str, mut update: F) -> Result<T, KvError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(Option<T>) -> T,
    {
        validate::key(key).map_err(invalid)?;
        let mut stored: Option<T> = None;
        self.update(key, &mut |current| {
            let old = match current {
                Some(bytes) => Some(serde_json::from_slice(bytes).map_err(|e| {
                    KvError::Internal(format!("value under `{key}` is not the expected JSON: {e}"))
                })?),
                None => None,
            };
            let new = update(old);
            let bytes = serde_json::to_vec(&new).map_err(|e| {
                KvError::Internal(format!("cannot serialise value for `{key}`: {e}"))
            })?;
            validate::value(bytes.len()).map_err(invalid)?;
            stored = Some(new);
            Ok(Bytes::from(bytes))
        })
        .await?;
        stored.ok_or_else(|| KvError::Internal("the backend stored no value".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_use_spins_sqlite_format_and_read_redis_text() {
        assert_eq!(encode_counter(1), [1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encode_counter(-2), (-2i64).to_le_bytes());
        assert_eq!(decode_counter(&encode_counter(1_600)), Some(1_600));
        assert_eq!(decode_counter(b"42"), Some(42));
        assert_eq!(decode_counter(b"-7"), Some(-7));
        assert_eq!(decode_counter(b"hello"), None);
        assert_eq!(decode_counter(b""), None);
    }

    #[test]
    fn batches_are_checked_key_by_key() {
        assert!(check_batch(&["a", "b"]).is_ok());
        let err = check_batch(&["a", ""]).unwrap_err().to_string();
        assert!(err.contains("key ``") && err.contains("empty"), "{err}");
        let many: Vec<String> = (0..=MAX_BATCH_KEYS).map(|i| i.to_string()).collect();
        assert!(check_batch(&many)
            .unwrap_err()
            .to_string()
            .contains("limit is 1000"));
    }
}
