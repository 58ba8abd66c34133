//! `[stores.kv]` ids on Fastly KV Stores.
//!
//! Atomic operations read the item's generation and write with `if_generation_match`
//! (or, for an absent key, in `Add` mode): a write that lost to another writer fails with
//! `ItemPreconditionFailed` and is retried from a fresh read, up to
//! [`MAX_UPDATE_ATTEMPTS`] times, then [`KvError::Contention`] (503). Listing is the KV
//! Store's own (prefix, in key order); our cursor (the last key of a page) resumes it by
//! skipping the keys up to that key.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::env::StoreKind;
use edgezero_core::store::atomic::{decode_counter, encode_counter, MAX_UPDATE_ATTEMPTS};
use edgezero_core::store::kv::{KvError, KvStore, UpdateFn};
use edgezero_core::store::paging::{KeyPage, SortedPage};
use edgezero_fastly_names::{kv_key_problem, KV_LIST_LIMIT, KV_MAX_VALUE_BYTES};
use fastly::kv_store::{InsertMode, KVStore, KVStoreError};

use crate::error::{kv_failure, StoreRef};
use crate::expiry;
use crate::local_state::LocalState;

/// A KV id on a Fastly KV Store.
pub struct FastlyKv {
    store: KVStore,
    id: Arc<str>,
    name: Arc<str>,
    local: Option<Rc<LocalState>>,
}

/// An item as read: its value (`None`: absent or expired) and the generation a write must
/// match (`None`: the key is absent, write in `Add` mode).
struct Current {
    value: Option<Bytes>,
    generation: Option<u64>,
}

fn now() -> Duration {
    edgezero_core::timer::unix_time().unwrap_or_default()
}

fn check_key(key: &str) -> Result<(), KvError> {
    match kv_key_problem(key) {
        Some(problem) => Err(KvError::Validation(problem)),
        None => Ok(()),
    }
}

/// A value over the KV Store's limit: 400, before anything is written.
fn check_value(key: &str, value: &[u8]) -> Result<(), KvError> {
    if value.len() > KV_MAX_VALUE_BYTES {
        return Err(KvError::Validation(format!(
            "value of `{}` is {} bytes long; Fastly KV Store values are at most {KV_MAX_VALUE_BYTES} bytes",
            key.escape_debug(),
            value.len()
        )));
    }
    Ok(())
}

impl FastlyKv {
    /// The KV Store `name` for store `id`; `local` reports writes to `edgezero serve`.
    pub fn new(
        store: KVStore,
        id: Arc<str>,
        name: Arc<str>,
        local: Option<Rc<LocalState>>,
    ) -> Self {
        FastlyKv {
            store,
            id,
            name,
            local,
        }
    }

    fn store_ref(&self) -> StoreRef<'_> {
        StoreRef {
            kind: StoreKind::Kv,
            id: &self.id,
            name: &self.name,
        }
    }

    fn fail(&self, what: &str, key: &str, e: KVStoreError) -> KvError {
        kv_failure(self.store_ref(), what, key, e)
    }

    fn read(&self, key: &str) -> Result<Current, KvError> {
        match self.store.lookup(key) {
            Ok(mut item) => {
                let generation = Some(item.current_generation());
                let metadata = item.metadata();
                let value = if expiry::expired(metadata.as_deref(), now()) {
                    None
                } else {
                    Some(Bytes::from(item.take_body_bytes()))
                };
                Ok(Current { value, generation })
            }
            Err(KVStoreError::ItemNotFound) => Ok(Current {
                value: None,
                generation: None,
            }),
            Err(e) => Err(self.fail("lookup", key, e)),
        }
    }

    /// Writes `value` if the item is still at `generation` (`None`: still absent). False
    /// when another writer came first.
    fn write_if(&self, key: &str, generation: Option<u64>, value: &Bytes) -> Result<bool, KvError> {
        check_value(key, value)?;
        let insert = self.store.build_insert();
        let insert = match generation {
            Some(g) => insert.if_generation_match(g),
            None => insert.mode(InsertMode::Add),
        };
        match insert.execute(key, value.as_ref()) {
            Ok(()) => {
                self.report(key);
                Ok(true)
            }
            Err(KVStoreError::ItemPreconditionFailed) => Ok(false),
            Err(e) => Err(self.fail("insert", key, e)),
        }
    }

    /// Under `edgezero serve`, the lock of `key` for one write (see [`LocalState`]).
    fn lock(&self, key: &str) -> Option<crate::local_state::KeyLock<'_>> {
        self.local.as_ref()?.lock(&self.name, key)
    }

    fn report(&self, key: &str) {
        if let Some(local) = &self.local {
            local.report(&self.store, &self.name, key);
        }
    }

    fn update(
        &self,
        key: &str,
        update: &mut UpdateFn<'_>,
    ) -> Result<(Option<Bytes>, Bytes), KvError> {
        let _lock = self.lock(key);
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            let current = self.read(key)?;
            let new = update(current.value.as_deref())?;
            if self.write_if(key, current.generation, &new)? {
                return Ok((current.value, new));
            }
        }
        Err(KvError::Contention {
            key: key.to_string(),
            attempts: MAX_UPDATE_ATTEMPTS,
        })
    }
}

#[async_trait(?Send)]
impl KvStore for FastlyKv {
    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        check_key(key)?;
        Ok(self.read(key)?.value)
    }

    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        check_key(key)?;
        check_value(key, &value)?;
        let _lock = self.lock(key);
        self.store
            .insert(key, value.as_ref())
            .map_err(|e| self.fail("insert", key, e))?;
        self.report(key);
        Ok(())
    }

    async fn put_bytes_with_ttl(
        &self,
        key: &str,
        value: Bytes,
        ttl: Duration,
    ) -> Result<(), KvError> {
        check_key(key)?;
        check_value(key, &value)?;
        let _lock = self.lock(key);
        self.store
            .build_insert()
            .time_to_live(expiry::platform_ttl(ttl))
            .metadata(&expiry::metadata(now(), ttl))
            .execute(key, value.as_ref())
            .map_err(|e| self.fail("insert", key, e))?;
        self.report(key);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        check_key(key)?;
        let _lock = self.lock(key);
        match self.store.delete(key) {
            Ok(()) | Err(KVStoreError::ItemNotFound) => {
                self.report(key);
                Ok(())
            }
            Err(e) => Err(self.fail("delete", key, e)),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.get_bytes(key).await?.is_some())
    }

    async fn list_keys_page(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, KvError> {
        let mut page = SortedPage::default();
        let mut cursor: Option<String> = None;
        loop {
            let mut list = self.store.build_list().limit(KV_LIST_LIMIT);
            if !prefix.is_empty() {
                list = list.prefix(prefix);
            }
            if let Some(c) = &cursor {
                list = list.cursor(c);
            }
            let listed = list.execute().map_err(|e| self.fail("list", prefix, e))?;
            let next = listed.next_cursor().filter(|c| !c.is_empty());
            if page.add(listed.into_keys(), after, limit) {
                break;
            }
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Ok(page.finish(limit))
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        check_key(key)?;
        let mut result = 0;
        self.update(key, &mut |current| {
            let value = match current {
                None => 0,
                Some(bytes) => decode_counter(bytes).ok_or_else(|| KvError::NotACounter {
                    key: key.to_string(),
                })?,
            };
            result = value.checked_add(delta).ok_or_else(|| {
                KvError::Validation(format!(
                    "incrementing `{}` by {delta} overflows a 64-bit counter",
                    key.escape_debug()
                ))
            })?;
            Ok(Bytes::copy_from_slice(&encode_counter(result)))
        })?;
        Ok(result)
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Bytes,
    ) -> Result<bool, KvError> {
        check_key(key)?;
        let _lock = self.lock(key);
        let current = self.read(key)?;
        if current.value.as_deref() != expected {
            return Ok(false);
        }
        self.write_if(key, current.generation, &new)
    }

    async fn update_bytes(
        &self,
        key: &str,
        update: &mut UpdateFn<'_>,
    ) -> Result<(Option<Bytes>, Bytes), KvError> {
        check_key(key)?;
        self.update(key, update)
    }
}
