//! Counters, compare-and-swap and batches on Spin, through `wasi:keyvalue@0.2.0-draft2`.
//!
//! Spin 4 gives every component `wasi:keyvalue` (`store`, `atomics`, `batch`) over the same
//! backends and labels as `spin:key-value`. A component imports it when it is built with
//! this crate's **`wasi-keyvalue`** feature, which is on by default. Turn it off only for a
//! Spin runtime that lacks `wasi:keyvalue/atomics` (Fermyon Cloud and Akamai Functions
//! document `store` and `batch` at most; `edgezero config validate --strict` warns and
//! `edgezero deploy` refuses when the component imports it for such a target):
//!
//! ```toml
//! edgezero-adapter-spin = { version = "0.1", default-features = false }
//! ```
//!
//! | operation | with `wasi-keyvalue` (default) | without |
//! |---|---|---|
//! | `increment` (and `counter`) | `store.bucket.get`, then `atomics.increment` | `KvError::Unsupported` (501) |
//! | `compare_and_swap` (and `update_json`) | `atomics` `cas.new`, `current`, `swap` | `KvError::Unsupported` (501) |
//! | `get_many` / `set_many` / `delete_many` | `batch.*` (one host call) | one key at a time over `spin:key-value` |
//!
//! Without the feature the 501 reads "operation `increment` is not supported by this
//! platform's key-value store" (core's text), and the log says, at `warn`, that the
//! component was built without the `wasi-keyvalue` feature. Batches fall back to
//! single-key calls instead of failing, since the result is the same apart from atomicity,
//! so portable code can use them everywhere.
//!
//! The bucket is opened with the label of the `spin:key-value` store, on the first operation
//! that needs it, once per store handle (so at most once per request and store). Its errors
//! go through [`map_kv_error`](crate::error::map_kv_error) like every other Spin error, so an
//! `access-denied` still names the label and the `key_value_stores` entry to add.
//!
//! ## Counters
//!
//! Spin's SQLite store keeps a counter as the 8 bytes of a little-endian `i64`, and its
//! `increment` **panics in the host** on a value of any other length (with its connection
//! lock held). Its Redis store keeps the decimal text (`INCRBY`). So `increment` first reads
//! the value with the bucket's own `get` (no `spin:key-value` store is opened), classifies it
//! with
//! [`decode_counter`], and:
//!
//! - missing, or 8 bytes → `atomics.increment` (after refusing an `i64` overflow, which
//!   Spin's host would wrap);
//! - decimal text of another length (a Redis counter, or `"0"` written by the app) → a
//!   compare-and-swap loop that writes the new decimal text, so the host's `increment` never
//!   sees it and Redis keeps its format; it gives up with `KvError::Contention` after
//!   [`MAX_UPDATE_ATTEMPTS`] lost races;
//! - anything else → `KvError::NotACounter` (409), without calling the host.
//!
//! Between that read and the host's `increment` another writer could store a non-counter
//! under the same key; Spin offers no way to close that window.
//!
//! ## Compare-and-swap
//!
//! `cas.new` and `current` read the value; if it is not `expected` the answer is `Ok(false)`
//! and nothing is swapped. Otherwise `swap` writes `new` only if the value is still the one
//! read (`cas-failed` → `Ok(false)`). When the value read was absent, Spin's SQLite store
//! writes with a plain upsert: "only if absent" can let two writers both succeed.

use bytes::Bytes;
use edgezero_core::store::atomic::{decode_counter, MAX_UPDATE_ATTEMPTS};
use edgezero_core::store::kv::{KvError, UpdateFn};

use super::{KvBackend, SpinKv};
use crate::error::{Op, SpinKvError};
use crate::kv::SpinHost;

/// `batch.get-many`'s answer: the keys that exist, with their values, in any order.
pub type Found = Vec<(String, Option<Vec<u8>>)>;

/// One opened `wasi:keyvalue` bucket: the `atomics` and `batch` functions Spin implements.
///
/// Implemented with `spin_sdk::experimental` on `wasm32` (feature `wasi-keyvalue`), by
/// [`NoBucket`] without it, and by fakes in host tests. The methods are synchronous because
/// the WIT functions are: each call blocks the instance until the host answers.
pub trait BucketBackend {
    /// A compare-and-swap handle (`atomics.cas`), which remembers the value it read.
    type Cas;
    /// `store.bucket.get`: the value under `key`.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SpinKvError>;
    /// `atomics.increment`: adds `delta` (a missing key counts as 0), returns the new value.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, SpinKvError>;
    /// `cas.new`: a handle on `key`.
    fn cas(&self, key: &str) -> Result<Self::Cas, SpinKvError>;
    /// `cas.current`: reads the value, which `swap` then expects.
    fn current(&self, cas: &Self::Cas) -> Result<Option<Vec<u8>>, SpinKvError>;
    /// `atomics.swap`: `true` if written, `false` on `cas-failed`.
    fn swap(&self, cas: Self::Cas, value: &[u8]) -> Result<bool, SpinKvError>;
    /// `batch.get-many`: the keys that exist, with their values, in any order.
    fn get_many(&self, keys: &[String]) -> Result<Found, SpinKvError>;
    /// `batch.set-many`.
    fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<(), SpinKvError>;
    /// `batch.delete-many`.
    fn delete_many(&self, keys: &[String]) -> Result<(), SpinKvError>;
}

/// The bucket of a component that does not import `wasi:keyvalue`: it cannot exist, so
/// [`SpinHost::open_bucket`] answers `None`.
#[derive(Debug, Clone, Copy)]
pub enum NoBucket {}

impl BucketBackend for NoBucket {
    type Cas = NoBucket;
    fn get(&self, _: &str) -> Result<Option<Vec<u8>>, SpinKvError> {
        match *self {}
    }
    fn increment(&self, _: &str, _: i64) -> Result<i64, SpinKvError> {
        match *self {}
    }
    fn cas(&self, _: &str) -> Result<NoBucket, SpinKvError> {
        match *self {}
    }
    fn current(&self, _: &NoBucket) -> Result<Option<Vec<u8>>, SpinKvError> {
        match *self {}
    }
    fn swap(&self, _: NoBucket, _: &[u8]) -> Result<bool, SpinKvError> {
        match *self {}
    }
    fn get_many(&self, _: &[String]) -> Result<Found, SpinKvError> {
        match *self {}
    }
    fn set_many(&self, _: &[(String, Vec<u8>)]) -> Result<(), SpinKvError> {
        match *self {}
    }
    fn delete_many(&self, _: &[String]) -> Result<(), SpinKvError> {
        match *self {}
    }
}

/// What a stored value is, as a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Missing,
    /// 8 little-endian bytes: safe for Spin's `increment` on every backend we know.
    Bytes(i64),
    /// Decimal text of another length: Spin's SQLite `increment` would panic on it.
    Text(i64),
    NotACounter,
}

impl Stored {
    fn of(value: Option<&[u8]>) -> Stored {
        match value {
            None => Stored::Missing,
            Some(bytes) => match decode_counter(bytes) {
                Some(n) if bytes.len() == 8 => Stored::Bytes(n),
                Some(n) => Stored::Text(n),
                None => Stored::NotACounter,
            },
        }
    }
}

fn not_a_counter(key: &str) -> KvError {
    KvError::NotACounter {
        key: key.to_string(),
    }
}

/// `current + delta`, or the validation error core's other backends give.
fn add(key: &str, current: i64, delta: i64) -> Result<i64, KvError> {
    current.checked_add(delta).ok_or_else(|| {
        KvError::Validation(format!(
            "incrementing `{key}` ({current}) by {delta} overflows a 64-bit counter"
        ))
    })
}

/// The values of `keys`, in order, from `batch.get-many`'s answer, which may come in any
/// order. Each key is searched from just after the previous match, so an answer in the order
/// asked is matched in one pass; no sort or map type, whose code would cost the component
/// more than this search costs a batch of at most 1000 keys.
fn in_order(keys: &[String], found: Found) -> Vec<Option<Bytes>> {
    let found: Vec<(String, Option<Bytes>)> = found
        .into_iter()
        .map(|(key, value)| (key, value.map(Bytes::from)))
        .collect();
    let n = found.len();
    let mut next = 0;
    keys.iter()
        .map(|key| {
            let at = (0..n)
                .map(|i| (next + i) % n)
                .find(|&i| found[i].0 == *key)?;
            next = at + 1;
            found[at].1.clone()
        })
        .collect()
}

/// What a compare-and-swap loop calls to make the value to swap in from the current one.
type NextValue<'f, 'v> = dyn FnMut(Option<&[u8]>) -> Result<Swapped<'v>, KvError> + 'f;

/// The value a compare-and-swap loop swaps in: one the caller gave (exchange) or one made
/// from the current value (update).
enum Swapped<'v> {
    Given(&'v [u8]),
    Made(Bytes),
}

impl Swapped<'_> {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Swapped::Given(b) => b,
            Swapped::Made(b) => b,
        }
    }
}

impl<H: SpinHost> SpinKv<H> {
    /// The label's bucket, opened on first use; `None` without `wasi:keyvalue`.
    fn open_bucket(&self) -> Result<Option<&H::Bucket>, KvError> {
        if let Some(bucket) = self.bucket.get() {
            return Ok(Some(bucket));
        }
        if let Some(bucket) = self
            .store
            .get()
            .and_then(|s| self.host.bucket_from_store(s))
        {
            return Ok(Some(self.bucket.get_or_init(|| bucket)));
        }
        match self.host.open_bucket(self.label()) {
            None => Ok(None),
            Some(Ok(bucket)) => Ok(Some(self.bucket.get_or_init(|| bucket))),
            Some(Err(e)) => Err(self.fail(e, Op::OpenBucket)),
        }
    }

    /// The bucket `operation` needs, or `Unsupported` with the fix in the log.
    fn bucket_for(&self, operation: &'static str) -> Result<&H::Bucket, KvError> {
        self.open_bucket()?.ok_or_else(|| {
            log::warn!(
                "`{operation}` on key-value store `{}` needs wasi:keyvalue: the component was \
                 built without the default `wasi-keyvalue` feature of edgezero-adapter-spin \
                 (`default-features = false`)",
                self.id
            );
            KvError::Unsupported { operation }
        })
    }

    fn host_increment(
        &self,
        bucket: &H::Bucket,
        key: &str,
        current: i64,
        delta: i64,
    ) -> Result<i64, KvError> {
        add(key, current, delta)?;
        bucket
            .increment(key, delta)
            .map_err(|e| self.fail(e, Op::Increment(key)))
    }

    /// Increments a decimal-text counter with compare-and-swap, keeping it text.
    fn increment_text(&self, bucket: &H::Bucket, key: &str, delta: i64) -> Result<i64, KvError> {
        let fail = |e| self.fail(e, Op::Increment(key));
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            let cas = bucket.cas(key).map_err(fail)?;
            let current = bucket.current(&cas).map_err(fail)?;
            let n = match Stored::of(current.as_deref()) {
                Stored::Text(n) => n,
                // Rewritten since the first read: back to the host's own increment.
                Stored::Missing => return self.host_increment(bucket, key, 0, delta),
                Stored::Bytes(n) => return self.host_increment(bucket, key, n, delta),
                Stored::NotACounter => return Err(not_a_counter(key)),
            };
            let next = add(key, n, delta)?;
            if bucket
                .swap(cas, next.to_string().as_bytes())
                .map_err(fail)?
            {
                return Ok(next);
            }
        }
        Err(KvError::Contention {
            key: key.to_string(),
            attempts: MAX_UPDATE_ATTEMPTS,
        })
    }

    pub(super) async fn atomic_increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let bucket = self.bucket_for("increment")?;
        let stored = bucket.get(key).map_err(|e| self.fail(e, Op::Get(key)))?;
        match Stored::of(stored.as_deref()) {
            Stored::Missing => self.host_increment(bucket, key, 0, delta),
            Stored::Bytes(n) => self.host_increment(bucket, key, n, delta),
            Stored::Text(_) => self.increment_text(bucket, key, delta),
            Stored::NotACounter => Err(not_a_counter(key)),
        }
    }

    pub(super) fn atomic_compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, KvError> {
        let bucket = self.bucket_for("compare_and_swap")?;
        let fail = |e| self.fail(e, Op::CompareAndSwap(key));
        let cas = bucket.cas(key).map_err(fail)?;
        if bucket.current(&cas).map_err(fail)?.as_deref() != expected {
            return Ok(false);
        }
        bucket.swap(cas, new).map_err(fail)
    }

    /// Read, change and swap with no await in between: requests of the same instance
    /// cannot interleave, so only another instance can make the swap fail (then it retries).
    pub(super) async fn atomic_update(
        &self,
        key: &str,
        update: &mut UpdateFn<'_>,
    ) -> Result<(Option<Bytes>, Bytes), KvError> {
        let (previous, new) = self
            .cas_loop(key, &mut |current| update(current).map(Swapped::Made))
            .await?;
        let new = match new {
            Swapped::Made(new) => new,
            Swapped::Given(new) => Bytes::copy_from_slice(new),
        };
        Ok((previous, new))
    }

    /// Stores `new` under `key` and returns the value it replaced: [`Self::atomic_update`]
    /// swapping in `new` itself, never a copy of it.
    pub(super) async fn atomic_exchange(
        &self,
        key: &str,
        new: &[u8],
    ) -> Result<Option<Bytes>, KvError> {
        let (previous, _) = self.cas_loop(key, &mut |_| Ok(Swapped::Given(new))).await?;
        Ok(previous)
    }

    /// The compare-and-swap loop of both (one copy of it in the component): `next` makes
    /// the value to swap in from the current one.
    async fn cas_loop<'v>(
        &self,
        key: &str,
        next: &mut NextValue<'_, 'v>,
    ) -> Result<(Option<Bytes>, Swapped<'v>), KvError> {
        let bucket = self.bucket_for("compare_and_swap")?;
        let fail = |e| self.fail(e, Op::CompareAndSwap(key));
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            let cas = bucket.cas(key).map_err(fail)?;
            let current = bucket.current(&cas).map_err(fail)?;
            let new = next(current.as_deref())?;
            if bucket.swap(cas, new.as_bytes()).map_err(fail)? {
                return Ok((current.map(Bytes::from), new));
            }
            edgezero_core::store::atomic::yield_now().await;
        }
        Err(KvError::Contention {
            key: key.to_string(),
            attempts: MAX_UPDATE_ATTEMPTS,
        })
    }

    pub(super) async fn batch_get_many(
        &self,
        keys: &[String],
    ) -> Result<Vec<Option<Bytes>>, KvError> {
        let Some(bucket) = self.open_bucket()? else {
            let backend = self.backend().await?;
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                let value = backend.get(key).await;
                values.push(
                    value
                        .map_err(|e| self.fail(e, Op::Get(key)))?
                        .map(Bytes::from),
                );
            }
            return Ok(values);
        };
        let found = bucket
            .get_many(keys)
            .map_err(|e| self.fail(e, Op::GetMany(keys.len())))?;
        Ok(in_order(keys, found))
    }

    pub(super) async fn batch_set_many(
        &self,
        entries: Vec<(String, Bytes)>,
    ) -> Result<(), KvError> {
        let Some(bucket) = self.open_bucket()? else {
            let backend = self.backend().await?;
            for (key, value) in &entries {
                let done = backend.set(key, value).await;
                done.map_err(|e| self.fail(e, Op::Set(key)))?;
            }
            return Ok(());
        };
        let entries: Vec<(String, Vec<u8>)> = entries
            .into_iter()
            .map(|(key, value)| (key, Vec::from(value)))
            .collect();
        bucket
            .set_many(&entries)
            .map_err(|e| self.fail(e, Op::SetMany(entries.len())))
    }

    pub(super) async fn batch_delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        let Some(bucket) = self.open_bucket()? else {
            let backend = self.backend().await?;
            for key in keys {
                let done = backend.delete(key).await;
                done.map_err(|e| self.fail(e, Op::Delete(key)))?;
            }
            return Ok(());
        };
        bucket
            .delete_many(keys)
            .map_err(|e| self.fail(e, Op::DeleteMany(keys.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgezero_core::store::atomic::encode_counter;

    #[test]
    fn values_are_classified_before_the_host_sees_them() {
        assert_eq!(Stored::of(None), Stored::Missing);
        assert_eq!(Stored::of(Some(&encode_counter(-3))), Stored::Bytes(-3));
        assert_eq!(Stored::of(Some(b"42")), Stored::Text(42));
        assert_eq!(Stored::of(Some(b"-7")), Stored::Text(-7));
        // Eight digits are eight bytes: the little-endian reading wins, as in core.
        assert!(matches!(Stored::of(Some(b"12345678")), Stored::Bytes(_)));
        assert_eq!(Stored::of(Some(b"hello")), Stored::NotACounter);
        assert_eq!(Stored::of(Some(b"")), Stored::NotACounter);
        assert_eq!(Stored::of(Some(b" 1")), Stored::NotACounter);
    }

    #[test]
    fn overflow_is_a_validation_error() {
        assert_eq!(add("k", 1, 2).unwrap(), 3);
        let err = add("k", i64::MAX, 1).unwrap_err();
        assert!(
            matches!(&err, KvError::Validation(m) if m.contains("overflows")),
            "{err}"
        );
    }

    #[test]
    fn batch_answers_are_put_back_in_the_order_asked() {
        let keys: Vec<String> = ["c", "missing", "a", "c"].map(String::from).to_vec();
        let found = vec![
            ("a".to_string(), Some(b"1".to_vec())),
            ("c".to_string(), Some(b"3".to_vec())),
            ("not-asked".to_string(), Some(b"x".to_vec())),
            ("gone".to_string(), None),
        ];
        let values = in_order(&keys, found);
        let values: Vec<Option<&[u8]>> = values.iter().map(|v| v.as_deref()).collect();
        assert_eq!(
            values,
            [Some(&b"3"[..]), None, Some(&b"1"[..]), Some(&b"3"[..])]
        );
    }
}
