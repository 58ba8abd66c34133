//! `wasi:keyvalue@0.2.0-draft2` (`store`, `atomics`, `batch`), as Spin 4 provides it to every
//! component: a bucket is opened by the same label, with the same access rule, as a
//! `spin:key-value` store, and reads and writes the same rows (SQLite) or keys (Redis).
//!
//! Semantics follow Spin's stores: `increment` treats a missing key as 0 and keeps the
//! 8-byte little-endian `i64` in SQLite (decimal text via `INCRBY` in Redis); a
//! compare-and-swap remembers what `current` read and writes only if the row still holds it
//! (Redis: if the `WATCH`ed key did not change), and writes unconditionally when nothing, or
//! an absent key, was read; `get-many` answers the keys that exist.

use wasmtime::component::{Linker, Resource};

use crate::bindings::generated::wasi::keyvalue::{atomics, batch, store};
use crate::bindings::{SpinApi, SpinView};
use crate::kv::{BucketHandle, CasHandle, KvError};

type KvResult<T> = wasmtime::Result<Result<T, store::Error>>;

/// Adds the three interfaces to `linker`.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> SpinView<'_>,
) -> wasmtime::Result<()> {
    store::add_to_linker::<T, SpinApi>(linker, view)?;
    atomics::add_to_linker::<T, SpinApi>(linker, view)?;
    batch::add_to_linker::<T, SpinApi>(linker, view)
}

fn trace(op: &str, label: &str, key: &str) {
    log::trace!(target: "spin_kv", "wasi:keyvalue {op} {label:?} {key:?}");
}

/// The one place a host key-value error becomes `wasi:keyvalue`'s `error`.
fn wasi_error(e: KvError) -> store::Error {
    match e {
        KvError::AccessDenied => store::Error::AccessDenied,
        KvError::Unavailable(text) | KvError::Other(text) => store::Error::Other(text),
    }
}

fn wasi_result<T>(r: Result<T, KvError>) -> Result<T, store::Error> {
    r.map_err(wasi_error)
}

impl SpinView<'_> {
    fn bucket(&self, handle: &Resource<BucketHandle>) -> wasmtime::Result<BucketHandle> {
        Ok(self.table.get(handle)?.clone())
    }
}

impl store::Host for SpinView<'_> {
    fn open(&mut self, identifier: String) -> KvResult<Resource<BucketHandle>> {
        trace("open", &identifier, "");
        let Some(backend) = self.ctx.stores.get(&identifier).cloned() else {
            log::warn!(
                "component \"{}\" opened key-value bucket \"{identifier}\", which its key_value_stores does not list: access denied",
                self.ctx.id
            );
            return Ok(Err(wasi_error(KvError::AccessDenied)));
        };
        if let Err(e) = blocking(backend.open()) {
            return Ok(Err(wasi_error(e)));
        }
        let handle = self.table.push(BucketHandle {
            label: identifier,
            backend,
        })?;
        Ok(Ok(handle))
    }
}

impl store::HostBucket for SpinView<'_> {
    fn get(&mut self, bucket: Resource<BucketHandle>, key: String) -> KvResult<Option<Vec<u8>>> {
        let b = self.bucket(&bucket)?;
        trace("get", &b.label, &key);
        Ok(wasi_result(blocking(b.backend.get(&b.label, &key))))
    }

    fn set(&mut self, bucket: Resource<BucketHandle>, key: String, value: Vec<u8>) -> KvResult<()> {
        let b = self.bucket(&bucket)?;
        trace("set", &b.label, &key);
        Ok(wasi_result(blocking(b.backend.set(&b.label, &key, value))))
    }

    fn delete(&mut self, bucket: Resource<BucketHandle>, key: String) -> KvResult<()> {
        let b = self.bucket(&bucket)?;
        trace("delete", &b.label, &key);
        Ok(wasi_result(blocking(b.backend.delete(&b.label, &key))))
    }

    fn exists(&mut self, bucket: Resource<BucketHandle>, key: String) -> KvResult<bool> {
        let b = self.bucket(&bucket)?;
        trace("exists", &b.label, &key);
        Ok(wasi_result(blocking(b.backend.exists(&b.label, &key))))
    }

    fn list_keys(
        &mut self,
        bucket: Resource<BucketHandle>,
        _cursor: Option<String>,
    ) -> KvResult<store::KeyResponse> {
        let b = self.bucket(&bucket)?;
        trace("list-keys", &b.label, "");
        // Spin answers every key at once, without a cursor.
        Ok(wasi_result(blocking(b.backend.keys(&b.label)))
            .map(|keys| store::KeyResponse { keys, cursor: None }))
    }

    fn drop(&mut self, bucket: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

/// Runs a backend call to completion on this thread. `wasi:keyvalue` functions are
/// synchronous in WIT: while one runs, its instance can run nothing else, so it is better to
/// hold this thread (other requests move to other threads and instances) than to park the
/// instance on an async wait that new requests would queue behind.
fn blocking<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

impl atomics::Host for SpinView<'_> {
    fn increment(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        delta: i64,
    ) -> KvResult<i64> {
        let b = self.bucket(&bucket)?;
        trace("increment", &b.label, &key);
        Ok(wasi_result(blocking(
            b.backend.increment(&b.label, &key, delta),
        )))
    }

    fn swap(
        &mut self,
        cas: Resource<CasHandle>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        let handle = self.table.delete(cas)?;
        trace("swap", &handle.store.label, &handle.key);
        let store = handle.store.clone();
        let key = handle.key.clone();
        match blocking(handle.swap(value)) {
            Ok(true) => Ok(Ok(())),
            Ok(false) => {
                // The guest gets the compare-and-swap back, to read again and retry.
                let again = self.table.push(CasHandle {
                    store,
                    key,
                    read: None,
                    redis: None,
                })?;
                Ok(Err(atomics::CasError::CasFailed(again)))
            }
            Err(e) => Ok(Err(atomics::CasError::StoreError(wasi_error(e)))),
        }
    }
}

impl atomics::HostCas for SpinView<'_> {
    fn new(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
    ) -> KvResult<Resource<CasHandle>> {
        let b = self.bucket(&bucket)?;
        trace("cas", &b.label, &key);
        let handle = self.table.push(CasHandle {
            store: b,
            key,
            read: None,
            redis: None,
        })?;
        Ok(Ok(handle))
    }

    fn current(&mut self, cas: Resource<CasHandle>) -> KvResult<Option<Vec<u8>>> {
        let handle = self.table.get_mut(&cas)?;
        trace("current", &handle.store.label, &handle.key);
        Ok(wasi_result(blocking(handle.current())))
    }

    fn drop(&mut self, cas: Resource<CasHandle>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl batch::Host for SpinView<'_> {
    fn get_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        keys: Vec<String>,
    ) -> KvResult<Vec<(String, Option<Vec<u8>>)>> {
        let b = self.bucket(&bucket)?;
        trace("get-many", &b.label, "");
        Ok(wasi_result(blocking(b.backend.get_many(&b.label, keys)))
            .map(|found| found.into_iter().map(|(k, v)| (k, Some(v))).collect()))
    }

    fn set_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> KvResult<()> {
        let b = self.bucket(&bucket)?;
        trace("set-many", &b.label, "");
        Ok(wasi_result(blocking(
            b.backend.set_many(&b.label, key_values),
        )))
    }

    fn delete_many(&mut self, bucket: Resource<BucketHandle>, keys: Vec<String>) -> KvResult<()> {
        let b = self.bucket(&bucket)?;
        trace("delete-many", &b.label, "");
        Ok(wasi_result(blocking(b.backend.delete_many(&b.label, keys))))
    }
}
