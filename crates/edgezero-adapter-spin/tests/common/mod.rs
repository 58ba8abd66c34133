//! An in-memory stand-in for the Spin host: labels with grants, injected errors, counters.

#![allow(dead_code, reason = "each test file uses a different part of the fake")]

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use edgezero_adapter_spin::kv::{BucketBackend, Found, KeyStream, KvBackend};
use edgezero_adapter_spin::secrets::VariableError;
use edgezero_adapter_spin::{SpinHost, SpinKvError, SpinProvider};
use edgezero_core::store::atomic::decode_counter;
use edgezero_core::store::StoreIds;
use edgezero_core::{App, Router, StoreBindings, StoreMetadata, Stores};

type Data = Rc<RefCell<HashMap<String, Vec<u8>>>>;

/// Counters shared by the host and every store it opened.
#[derive(Debug, Default)]
pub struct Counters {
    /// Labels opened, in order.
    pub opened: RefCell<Vec<String>>,
    /// Successful `set` and `delete` calls.
    pub writes: Cell<usize>,
    /// Keys pulled from `get_keys()` streams.
    pub keys_pulled: Cell<usize>,
    /// `wasi:keyvalue` buckets opened.
    pub buckets_opened: Cell<usize>,
    /// `atomics.increment` calls.
    pub increments: Cell<usize>,
    /// `atomics.swap` calls.
    pub swaps: Cell<usize>,
    /// `batch.*` calls.
    pub batches: Cell<usize>,
}

fn bump(counter: &Cell<usize>) {
    counter.set(counter.get() + 1);
}

/// The fake host.
#[derive(Debug, Default)]
pub struct FakeHost {
    /// Labels this component may open (`key_value_stores`); others are `AccessDenied`.
    pub granted: Vec<String>,
    /// Granted labels without a backend (`NoSuchStore`).
    pub unbacked: Vec<String>,
    /// Label → contents.
    pub data: RefCell<HashMap<String, Data>>,
    /// Error returned by every store operation, when set.
    pub op_error: RefCell<Option<SpinKvError>>,
    /// Error returned at the end of a `get_keys()` stream, when set.
    pub list_error: RefCell<Option<SpinKvError>>,
    /// Component variables.
    pub variables: HashMap<String, String>,
    /// Models a component built without the `wasi-keyvalue` feature: no bucket to open.
    pub no_wasi_keyvalue: bool,
    /// Models Spin with `wasi-keyvalue`: one handle per label serves plain operations and
    /// atomics, so a store and a bucket of one label are made from each other.
    pub shares_bucket: bool,
    /// Error returned when opening a `wasi:keyvalue` bucket, when set.
    pub bucket_error: RefCell<Option<SpinKvError>>,
    /// The next this-many `cas.current` calls are each followed by another writer's write
    /// to the same key: a decimal-text counter is incremented, anything else gets `!`
    /// appended (a missing key stays missing).
    pub racing_writes: Rc<Cell<usize>>,
    /// Shared counters.
    pub counters: Rc<Counters>,
}

impl FakeHost {
    /// A host granting `labels`.
    pub fn granting(labels: &[&str]) -> Self {
        FakeHost {
            granted: labels.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    /// Seeds `label` with `pairs`.
    pub fn seed(&self, label: &str, pairs: impl IntoIterator<Item = (String, Vec<u8>)>) {
        let data = self.label(label);
        data.borrow_mut().extend(pairs);
    }

    /// The contents of `label`.
    pub fn label(&self, label: &str) -> Data {
        Rc::clone(self.data.borrow_mut().entry(label.to_string()).or_default())
    }
}

/// One opened label.
pub struct FakeStore {
    data: Data,
    host_error: Option<SpinKvError>,
    list_error: Option<SpinKvError>,
    counters: Rc<Counters>,
}

/// One opened `wasi:keyvalue` bucket, with the semantics of Spin's SQLite store.
pub struct FakeBucket {
    data: Data,
    host_error: Option<SpinKvError>,
    counters: Rc<Counters>,
    racing_writes: Rc<Cell<usize>>,
}

/// A `cas` handle: the key and the value `current` read.
pub struct FakeCas {
    key: String,
    read: RefCell<Option<Option<Vec<u8>>>>,
}

impl FakeBucket {
    fn check(&self) -> Result<(), SpinKvError> {
        match &self.host_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

impl BucketBackend for FakeBucket {
    type Cas = FakeCas;

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SpinKvError> {
        self.check()?;
        Ok(self.data.borrow().get(key).cloned())
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, SpinKvError> {
        self.check()?;
        bump(&self.counters.increments);
        let mut data = self.data.borrow_mut();
        let current = match data.get(key) {
            None => 0,
            // Spin's SQLite store: `i64::from_le_bytes(v.try_into().expect("incorrect length"))`.
            Some(v) => i64::from_le_bytes(v.as_slice().try_into().unwrap_or_else(|_| {
                panic!(
                    "Spin's host panics: increment on the {}-byte value of `{key}`",
                    v.len()
                )
            })),
        };
        let next = current.wrapping_add(delta);
        data.insert(key.to_string(), next.to_le_bytes().to_vec());
        Ok(next)
    }

    fn cas(&self, key: &str) -> Result<FakeCas, SpinKvError> {
        self.check()?;
        Ok(FakeCas {
            key: key.to_string(),
            read: RefCell::new(None),
        })
    }

    fn current(&self, cas: &FakeCas) -> Result<Option<Vec<u8>>, SpinKvError> {
        self.check()?;
        let value = self.data.borrow().get(&cas.key).cloned();
        *cas.read.borrow_mut() = Some(value.clone());
        if self.racing_writes.get() > 0 {
            self.racing_writes.set(self.racing_writes.get() - 1);
            let mut data = self.data.borrow_mut();
            if let Some(v) = data.get_mut(&cas.key) {
                match decode_counter(v).filter(|_| v.len() != 8) {
                    Some(n) => *v = (n + 1).to_string().into_bytes(),
                    None => v.push(b'!'),
                }
            }
        }
        Ok(value)
    }

    fn swap(&self, cas: FakeCas, value: &[u8]) -> Result<bool, SpinKvError> {
        self.check()?;
        bump(&self.counters.swaps);
        let mut data = self.data.borrow_mut();
        // Spin: `UPDATE ... WHERE value = <read>` when a value was read, else an upsert.
        match cas.read.into_inner().flatten() {
            Some(read) if data.get(&cas.key) != Some(&read) => return Ok(false),
            _ => {}
        }
        data.insert(cas.key, value.to_vec());
        Ok(true)
    }

    fn get_many(&self, keys: &[String]) -> Result<Found, SpinKvError> {
        self.check()?;
        bump(&self.counters.batches);
        let data = self.data.borrow();
        // Only the keys that exist, in an order of the host's choosing (here: reversed).
        let mut found: Found = Vec::new();
        for key in keys.iter().rev() {
            if let Some(v) = data.get(key) {
                if !found.iter().any(|(k, _)| k == key) {
                    found.push((key.clone(), Some(v.clone())));
                }
            }
        }
        Ok(found)
    }

    fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<(), SpinKvError> {
        self.check()?;
        bump(&self.counters.batches);
        self.data.borrow_mut().extend(entries.iter().cloned());
        Ok(())
    }

    fn delete_many(&self, keys: &[String]) -> Result<(), SpinKvError> {
        self.check()?;
        bump(&self.counters.batches);
        let mut data = self.data.borrow_mut();
        for key in keys {
            data.remove(key);
        }
        Ok(())
    }
}

/// A `get_keys()` stream.
pub struct FakeKeys {
    keys: VecDeque<String>,
    result: Result<(), SpinKvError>,
    counters: Rc<Counters>,
}

impl KeyStream for FakeKeys {
    async fn next_key(&mut self) -> Option<String> {
        let key = self.keys.pop_front()?;
        self.counters
            .keys_pulled
            .set(self.counters.keys_pulled.get() + 1);
        Some(key)
    }

    async fn finish(self) -> Result<(), SpinKvError> {
        self.result
    }
}

impl FakeStore {
    fn check(&self) -> Result<(), SpinKvError> {
        match &self.host_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

impl KvBackend for FakeStore {
    type Keys = FakeKeys;

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SpinKvError> {
        self.check()?;
        Ok(self.data.borrow().get(key).cloned())
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), SpinKvError> {
        self.check()?;
        self.counters.writes.set(self.counters.writes.get() + 1);
        self.data
            .borrow_mut()
            .insert(key.to_string(), value.to_vec());
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), SpinKvError> {
        self.check()?;
        self.counters.writes.set(self.counters.writes.get() + 1);
        self.data.borrow_mut().remove(key);
        Ok(())
    }

    async fn exists(&self, key: &str) -> Result<bool, SpinKvError> {
        self.check()?;
        Ok(self.data.borrow().contains_key(key))
    }

    async fn get_keys(&self) -> FakeKeys {
        // HashMap order: unordered, like Spin's `SELECT key ... ` without ORDER BY.
        let keys = self.data.borrow().keys().cloned().collect();
        let result = match &self.list_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        };
        FakeKeys {
            keys,
            result,
            counters: Rc::clone(&self.counters),
        }
    }
}

impl FakeHost {
    /// Spin's grant check, the same for a `spin:key-value` store and a bucket.
    fn grant(&self, label: &str) -> Result<(), SpinKvError> {
        if !self.granted.iter().any(|g| g == label) {
            return Err(SpinKvError::AccessDenied);
        }
        if self.unbacked.iter().any(|g| g == label) {
            return Err(SpinKvError::NoSuchStore);
        }
        Ok(())
    }
}

impl SpinHost for FakeHost {
    type Store = FakeStore;
    type Bucket = FakeBucket;

    async fn open_store(&self, label: &str) -> Result<FakeStore, SpinKvError> {
        self.counters.opened.borrow_mut().push(label.to_string());
        self.grant(label)?;
        Ok(FakeStore {
            data: self.label(label),
            host_error: self.op_error.borrow().clone(),
            list_error: self.list_error.borrow().clone(),
            counters: Rc::clone(&self.counters),
        })
    }

    fn open_bucket(&self, label: &str) -> Option<Result<FakeBucket, SpinKvError>> {
        if self.no_wasi_keyvalue {
            return None;
        }
        bump(&self.counters.buckets_opened);
        if let Some(e) = self.bucket_error.borrow().clone() {
            return Some(Err(e));
        }
        Some(self.grant(label).map(|()| FakeBucket {
            data: self.label(label),
            host_error: self.op_error.borrow().clone(),
            counters: Rc::clone(&self.counters),
            racing_writes: Rc::clone(&self.racing_writes),
        }))
    }

    fn store_from_bucket(&self, bucket: &FakeBucket) -> Option<FakeStore> {
        self.shares_bucket.then(|| FakeStore {
            data: Rc::clone(&bucket.data),
            host_error: bucket.host_error.clone(),
            list_error: self.list_error.borrow().clone(),
            counters: Rc::clone(&bucket.counters),
        })
    }

    fn bucket_from_store(&self, store: &FakeStore) -> Option<FakeBucket> {
        self.shares_bucket.then(|| FakeBucket {
            data: Rc::clone(&store.data),
            host_error: store.host_error.clone(),
            counters: Rc::clone(&store.counters),
            racing_writes: Rc::clone(&self.racing_writes),
        })
    }

    async fn variable(&self, name: &str) -> Result<String, VariableError> {
        if name.contains("__") || name.ends_with('_') {
            return Err(VariableError::InvalidName(name.to_string()));
        }
        self.variables
            .get(name)
            .cloned()
            .ok_or_else(|| VariableError::Undefined(name.to_string()))
    }
}

/// Store metadata like kv-api's: kv `data`, config `app_config`, secrets `default`.
pub static KV_API: StoreMetadata = StoreMetadata {
    kv: StoreIds {
        ids: &["data"],
        default: None,
    },
    config: StoreIds {
        ids: &["app_config"],
        default: None,
    },
    secrets: StoreIds {
        ids: &["default"],
        default: None,
    },
};

/// An app declaring every kind of store, so the provider opens all of them.
pub struct AllKinds;

impl App for AllKinds {
    fn name() -> &'static str {
        "all-kinds"
    }
    fn stores() -> &'static StoreMetadata {
        &KV_API
    }
    fn router() -> Router {
        Router::new()
    }
}

/// An environment made of `pairs`.
pub fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

/// A per-request store registry over `host`, resolved against `pairs`.
pub fn stores(host: Rc<FakeHost>, meta: &StoreMetadata, pairs: &[(&str, &str)]) -> Stores {
    let bindings = StoreBindings::resolve(meta, &env(pairs));
    Stores::new(
        Arc::new(bindings),
        Rc::new(SpinProvider::<_, AllKinds>::new(host)),
    )
}
