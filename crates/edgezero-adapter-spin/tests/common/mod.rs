//! An in-memory stand-in for the Spin host: labels with grants, injected errors, counters.

#![allow(dead_code, reason = "each test file uses a different part of the fake")]

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use edgezero_adapter_spin::kv::{KeyStream, KvBackend};
use edgezero_adapter_spin::secrets::VariableError;
use edgezero_adapter_spin::{SpinHost, SpinKvError, SpinProvider};
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

impl SpinHost for FakeHost {
    type Store = FakeStore;

    async fn open_store(&self, label: &str) -> Result<FakeStore, SpinKvError> {
        self.counters.opened.borrow_mut().push(label.to_string());
        if !self.granted.iter().any(|g| g == label) {
            return Err(SpinKvError::AccessDenied);
        }
        if self.unbacked.iter().any(|g| g == label) {
            return Err(SpinKvError::NoSuchStore);
        }
        Ok(FakeStore {
            data: self.label(label),
            host_error: self.op_error.borrow().clone(),
            list_error: self.list_error.borrow().clone(),
            counters: Rc::clone(&self.counters),
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
