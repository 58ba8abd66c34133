//! Key-value stores on Spin labels.
//!
//! Spin's key-value API has no expiry and lists every key of a label at once, unordered. So:
//!
//! - [`supports_ttl`](KvStore::supports_ttl) is `false`, so every TTL write, whatever the
//!   TTL, gets `KvError::Unsupported { operation: "put_bytes_with_ttl" }` (HTTP 501) and
//!   writes nothing; a TTL is never silently dropped, and an out-of-range TTL is not a `400`
//!   that, once fixed, turns into a `501`.
//! - [`list_keys_page`](KvStore::list_keys_page) reads the label's keys (`get_keys()`'s
//!   stream, or `list-keys` with `wasi-keyvalue`), keeps the keys matching the prefix, and
//!   fails with `KvError::LimitExceeded` (HTTP 503) as soon as more than `max_list_keys`
//!   match; then it sorts only what the page needs.
//!
//! Counters, compare-and-swap and batches go through `wasi:keyvalue` when the component is
//! built with the `wasi-keyvalue` feature (the default); see [`atomic`].
//!
//! The logic is generic over [`SpinHost`] and its [`KvBackend`] (implemented on `wasm32` for
//! `spin_sdk::key_value::Store`, or for the `wasi:keyvalue` bucket with `wasi-keyvalue`) and
//! [`BucketBackend`], and over fakes in host tests.

pub mod atomic;

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::env::StoreKind;
use edgezero_core::store::kv::{KvError, KvStore, UpdateFn};
use edgezero_core::store::paging::{KeyPage, PageCollector};
use edgezero_core::store::StoreBinding;

use crate::error::{map_kv_error, Op, SpinKvError, StoreRef};
use crate::secrets::VariableError;

pub use atomic::{BucketBackend, Found, NoBucket};

/// The stream of keys returned by `get_keys()`: keys first, then the final result.
#[allow(
    async_fn_in_trait,
    reason = "component futures are single-threaded; no Send bound wanted"
)]
pub trait KeyStream {
    /// The next key, or `None` at the end of the stream.
    async fn next_key(&mut self) -> Option<String>;
    /// Whether the listing completed without error (call after `next_key` returned `None`).
    async fn finish(self) -> Result<(), SpinKvError>;
}

/// One opened Spin key-value label: the five operations of `spin_sdk::key_value::Store`.
#[allow(
    async_fn_in_trait,
    reason = "component futures are single-threaded; no Send bound wanted"
)]
pub trait KvBackend {
    /// The key stream of [`KvBackend::get_keys`].
    type Keys: KeyStream;
    /// The value under `key`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SpinKvError>;
    /// Stores `value` under `key`.
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), SpinKvError>;
    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), SpinKvError>;
    /// Whether `key` exists.
    async fn exists(&self, key: &str) -> Result<bool, SpinKvError>;
    /// Every key of the label, unordered.
    async fn get_keys(&self) -> Self::Keys;
}

/// What the adapter needs from Spin: open a key-value label (as a `spin:key-value` store or
/// a `wasi:keyvalue` bucket), read a variable.
///
/// Implemented with `spin_sdk` on `wasm32`, and by in-memory fakes in host tests.
#[allow(
    async_fn_in_trait,
    reason = "component futures are single-threaded; no Send bound wanted"
)]
pub trait SpinHost: 'static {
    /// An opened label.
    type Store: KvBackend + 'static;
    /// An opened `wasi:keyvalue` bucket ([`NoBucket`] where there is
    /// none).
    type Bucket: BucketBackend + 'static;
    /// Opens the key-value store labelled `label` (`Store::open`).
    async fn open_store(&self, label: &str) -> Result<Self::Store, SpinKvError>;
    /// Opens the `wasi:keyvalue` bucket labelled `label` (`store.open`), which Spin backs
    /// and grants like the `spin:key-value` store of that label. `None` when the component
    /// does not import `wasi:keyvalue` (built without the `wasi-keyvalue` feature).
    /// Synchronous, as the WIT function is.
    fn open_bucket(&self, label: &str) -> Option<Result<Self::Bucket, SpinKvError>>;
    /// The label's store served by a bucket already opened for it, when the host does plain
    /// operations through the bucket too (Spin with `wasi-keyvalue`): then a request that
    /// both counts and reads opens its label once, not twice. `None` (the default): open
    /// the store with [`SpinHost::open_store`].
    fn store_from_bucket(&self, _bucket: &Self::Bucket) -> Option<Self::Store> {
        None
    }
    /// The converse of [`SpinHost::store_from_bucket`]: the bucket of a store already open.
    fn bucket_from_store(&self, _store: &Self::Store) -> Option<Self::Bucket> {
        None
    }
    /// Reads the variable `name` (`variables::get`).
    async fn variable(&self, name: &str) -> Result<String, VariableError>;
}

/// Why [`collect_page`] stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFailure {
    /// More than `cap` keys matched the prefix.
    CapExceeded,
    /// The backend failed.
    Backend(SpinKvError),
}

/// Reads `keys`, keeping those that start with `prefix` and sort strictly after `after`,
/// and stops with [`ListFailure::CapExceeded`] as soon as more than `cap` keys match.
pub async fn collect_page<S: KeyStream>(
    mut keys: S,
    prefix: &str,
    after: Option<&str>,
    limit: usize,
    cap: usize,
) -> Result<KeyPage, ListFailure> {
    let mut collector = PageCollector::new(prefix, after, limit, cap);
    while let Some(key) = keys.next_key().await {
        // Dropping the stream here tells the host to stop sending keys.
        collector.push(key).map_err(|_| ListFailure::CapExceeded)?;
    }
    keys.finish().await.map_err(ListFailure::Backend)?;
    Ok(collector.finish())
}

/// A KV store (`[stores.kv]` id) backed by one Spin label.
///
/// Nothing is opened up front: the label's `spin:key-value` store is opened by the first
/// operation that needs it (`get`, `set`, listing, …) and its `wasi:keyvalue` bucket by the
/// first that needs that (counters, compare-and-swap, batches), each at most once per
/// handle. A handler that only counts never opens the `spin:key-value` store. Where one
/// host handle serves both (Spin with `wasi-keyvalue`), the label is opened once.
pub struct SpinKv<H: SpinHost> {
    host: Rc<H>,
    store: OnceCell<H::Store>,
    bucket: OnceCell<H::Bucket>,
    id: Arc<str>,
    label: Arc<str>,
    cap: Result<usize, edgezero_core::env::EnvError>,
}

impl<H: SpinHost> std::fmt::Debug for SpinKv<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpinKv")
            .field("store_open", &self.store.get().is_some())
            .field("bucket_open", &self.bucket.get().is_some())
            .field("id", &self.id)
            .field("label", &self.label)
            .field("cap", &self.cap)
            .finish()
    }
}

impl<H: SpinHost> SpinKv<H> {
    /// The store of `binding` on `host`; opens nothing yet.
    pub fn new(host: Rc<H>, binding: &StoreBinding) -> Self {
        SpinKv {
            host,
            store: OnceCell::new(),
            bucket: OnceCell::new(),
            id: binding.id.clone(),
            label: binding.name.clone(),
            cap: binding.max_list_keys.clone(),
        }
    }

    /// The Spin label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The label's `spin:key-value` store, opened on first use.
    async fn backend(&self) -> Result<&H::Store, KvError> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        if let Some(store) = self
            .bucket
            .get()
            .and_then(|b| self.host.store_from_bucket(b))
        {
            return Ok(self.store.get_or_init(|| store));
        }
        let opened = self.host.open_store(&self.label).await;
        let store = opened.map_err(|e| self.fail(e, Op::Open))?;
        // Another operation of the same request may have opened it meanwhile; keep one.
        Ok(self.store.get_or_init(|| store))
    }

    fn fail(&self, err: SpinKvError, op: Op<'_>) -> KvError {
        let store = StoreRef {
            kind: StoreKind::Kv,
            id: &self.id,
            label: &self.label,
        };
        map_kv_error(err, store, op)
    }
}

#[async_trait(?Send)]
impl<H: SpinHost> KvStore for SpinKv<H> {
    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        let value = self
            .backend()
            .await?
            .get(key)
            .await
            .map_err(|e| self.fail(e, Op::Get(key)))?;
        Ok(value.map(Bytes::from))
    }

    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        self.backend()
            .await?
            .set(key, &value)
            .await
            .map_err(|e| self.fail(e, Op::Set(key)))
    }

    fn supports_ttl(&self) -> bool {
        false
    }

    async fn put_bytes_with_ttl(
        &self,
        _key: &str,
        _value: Bytes,
        _ttl: Duration,
    ) -> Result<(), KvError> {
        // Spin stores have no expiry: refuse rather than store a value that never expires.
        // (The handle already refuses, having asked `supports_ttl`; this is the backstop.)
        Err(KvError::Unsupported {
            operation: "put_bytes_with_ttl",
        })
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.backend()
            .await?
            .delete(key)
            .await
            .map_err(|e| self.fail(e, Op::Delete(key)))
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.backend()
            .await?
            .exists(key)
            .await
            .map_err(|e| self.fail(e, Op::Exists(key)))
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.atomic_increment(key, delta).await
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Bytes,
    ) -> Result<bool, KvError> {
        self.atomic_compare_and_swap(key, expected, &new)
    }

    async fn update_bytes(
        &self,
        key: &str,
        update: &mut UpdateFn<'_>,
    ) -> Result<(Option<Bytes>, Bytes), KvError> {
        self.atomic_update(key, update).await
    }

    /// The compare-and-swap loop called directly (not through the boxed `update_bytes`
    /// future), swapping in `new` without copying it.
    async fn exchange_bytes(&self, key: &str, new: Bytes) -> Result<Option<Bytes>, KvError> {
        self.atomic_exchange(key, &new).await
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Bytes>>, KvError> {
        self.batch_get_many(keys).await
    }

    async fn set_many(&self, entries: Vec<(String, Bytes)>) -> Result<(), KvError> {
        self.batch_set_many(entries).await
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        self.batch_delete_many(keys).await
    }

    async fn list_keys_page(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, KvError> {
        let cap = self
            .cap
            .clone()
            .map_err(|e| KvError::Misconfigured(e.to_string()))?;
        let keys = self.backend().await?.get_keys().await;
        collect_page(keys, prefix, after, limit, cap)
            .await
            .map_err(|f| match f {
                ListFailure::CapExceeded => KvError::LimitExceeded {
                    store: self.id.to_string(),
                    limit: cap,
                    env_var: edgezero_core::env::max_list_keys_var(&self.id),
                },
                ListFailure::Backend(e) => self.fail(e, Op::ListKeys),
            })
    }
}
