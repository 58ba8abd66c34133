//! In-memory stores and a [`StoreProvider`] over them.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::store::atomic::encode_counter;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::paging::KeyPage;
use edgezero_core::store::secrets::{SecretError, SecretStore};
use edgezero_core::store::{StoreBinding, StoreProvider};

/// An in-memory key-value store with working TTLs.
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: RefCell<BTreeMap<String, (Bytes, Option<Instant>)>>,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn live(&self, key: &str) -> Option<Bytes> {
        let mut entries = self.entries.borrow_mut();
        match entries.get(key) {
            Some((_, Some(exp))) if *exp <= Instant::now() => {
                entries.remove(key);
                None
            }
            Some((v, _)) => Some(v.clone()),
            None => None,
        }
    }
}

#[async_trait(?Send)]
impl KvStore for MemoryKv {
    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        Ok(self.live(key))
    }

    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        self.entries
            .borrow_mut()
            .insert(key.to_string(), (value, None));
        Ok(())
    }

    async fn put_bytes_with_ttl(
        &self,
        key: &str,
        value: Bytes,
        ttl: Duration,
    ) -> Result<(), KvError> {
        self.entries
            .borrow_mut()
            .insert(key.to_string(), (value, Some(Instant::now() + ttl)));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.live(key).is_some())
    }

    async fn list_keys_page(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, KvError> {
        let now = Instant::now();
        let entries = self.entries.borrow();
        let start = match after {
            Some(a) => std::ops::Bound::Excluded(a.to_string()),
            None => std::ops::Bound::Included(prefix.to_string()),
        };
        let mut keys = Vec::new();
        let mut more = false;
        for (k, (_, exp)) in entries.range((start, std::ops::Bound::Unbounded)) {
            if !k.starts_with(prefix) {
                break; // keys sharing a prefix are contiguous in byte order
            }
            if exp.is_some_and(|e| e <= now) {
                continue;
            }
            if keys.len() == limit {
                more = true;
                break;
            }
            keys.push(k.clone());
        }
        Ok(KeyPage { keys, more })
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let current = match self.live(key) {
            None => 0,
            Some(v) => match <[u8; 8]>::try_from(&v[..]) {
                Ok(raw) => i64::from_le_bytes(raw),
                Err(_) => {
                    return Err(KvError::NotACounter {
                        key: key.to_string(),
                    })
                }
            },
        };
        let next = current.checked_add(delta).ok_or_else(|| {
            KvError::Validation(format!(
                "incrementing `{key}` ({current}) by {delta} overflows a 64-bit counter"
            ))
        })?;
        self.entries.borrow_mut().insert(
            key.to_string(),
            (Bytes::copy_from_slice(&encode_counter(next)), None),
        );
        Ok(next)
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Bytes,
    ) -> Result<bool, KvError> {
        if self.live(key).as_deref() != expected {
            return Ok(false);
        }
        self.entries
            .borrow_mut()
            .insert(key.to_string(), (new, None));
        Ok(true)
    }

    async fn set_many(&self, entries: Vec<(String, Bytes)>) -> Result<(), KvError> {
        let mut map = self.entries.borrow_mut();
        for (key, value) in entries {
            map.insert(key, (value, None));
        }
        Ok(())
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        let mut map = self.entries.borrow_mut();
        for key in keys {
            map.remove(key);
        }
        Ok(())
    }
}

/// An in-memory config store.
#[derive(Debug, Default, Clone)]
pub struct MemoryConfig {
    entries: HashMap<String, String>,
}

impl MemoryConfig {
    /// A store holding `entries`.
    pub fn new<K: Into<String>, V: Into<String>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        MemoryConfig {
            entries: entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

#[async_trait(?Send)]
impl ConfigStore for MemoryConfig {
    async fn get(&self, key: &str) -> Result<Option<String>, ConfigError> {
        Ok(self.entries.get(key).cloned())
    }

    async fn entries(&self) -> Result<Vec<(String, String)>, ConfigError> {
        Ok(self
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

/// An in-memory secret store. A name is looked up as written, then lower-cased: the
/// platforms EdgeZero runs on read `API_TOKEN` as the variable `api_token` (Spin, and the
/// native adapter's `SPIN_VARIABLE_API_TOKEN`), so an app's tests see the same secrets.
#[derive(Debug, Default, Clone)]
pub struct MemorySecrets {
    entries: HashMap<String, Bytes>,
}

impl MemorySecrets {
    /// A store holding `entries`.
    pub fn new<K: Into<String>, V: Into<Bytes>>(entries: impl IntoIterator<Item = (K, V)>) -> Self {
        MemorySecrets {
            entries: entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

#[async_trait(?Send)]
impl SecretStore for MemorySecrets {
    async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError> {
        Ok(self
            .entries
            .get(name)
            .or_else(|| self.entries.get(&name.to_ascii_lowercase()))
            .cloned())
    }
}

/// A provider that opens in-memory stores by platform name. KV stores persist for the
/// provider's lifetime, so several requests see the same data.
#[derive(Debug, Default, Clone)]
pub struct MemoryProvider {
    kv: Rc<RefCell<HashMap<String, Rc<MemoryKv>>>>,
    config: Rc<RefCell<HashMap<String, Rc<MemoryConfig>>>>,
    secrets: Rc<RefCell<HashMap<String, Rc<MemorySecrets>>>>,
    opens: Rc<RefCell<Vec<String>>>,
}

impl MemoryProvider {
    /// A provider with no data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Seeds a config store (by platform name).
    pub fn with_config(self, name: &str, store: MemoryConfig) -> Self {
        self.config
            .borrow_mut()
            .insert(name.to_string(), Rc::new(store));
        self
    }

    /// Seeds a secret store (by platform name).
    pub fn with_secrets(self, name: &str, store: MemorySecrets) -> Self {
        self.secrets
            .borrow_mut()
            .insert(name.to_string(), Rc::new(store));
        self
    }

    /// The KV store with platform name `name` (created empty if needed).
    pub fn kv(&self, name: &str) -> Rc<MemoryKv> {
        Rc::clone(self.kv.borrow_mut().entry(name.to_string()).or_default())
    }

    /// Every store opened so far, as `kind:name`, in order (to check laziness).
    pub fn opened(&self) -> Vec<String> {
        self.opens.borrow().clone()
    }
}

#[async_trait(?Send)]
impl StoreProvider for MemoryProvider {
    async fn open_kv(&self, binding: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError> {
        self.opens.borrow_mut().push(format!("kv:{}", binding.name));
        Ok(self.kv(&binding.name))
    }

    async fn open_config(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn ConfigStore>, ConfigError> {
        self.opens
            .borrow_mut()
            .push(format!("config:{}", binding.name));
        let store = self
            .config
            .borrow_mut()
            .entry(binding.name.to_string())
            .or_default()
            .clone();
        Ok(store)
    }

    async fn open_secrets(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn SecretStore>, SecretError> {
        self.opens
            .borrow_mut()
            .push(format!("secrets:{}", binding.name));
        let store = self
            .secrets
            .borrow_mut()
            .entry(binding.name.to_string())
            .or_default()
            .clone();
        Ok(store)
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn secrets_are_found_as_written_or_lower_cased() {
        let store = MemorySecrets::new([("api_token", "t"), ("Mixed", "m")]);
        let get = |n: &str| futures_executor::block_on(store.get_bytes(n)).unwrap();
        assert_eq!(get("api_token").as_deref(), Some(&b"t"[..]));
        assert_eq!(get("API_TOKEN").as_deref(), Some(&b"t"[..]));
        assert_eq!(get("Mixed").as_deref(), Some(&b"m"[..]));
        assert_eq!(get("other"), None);
    }
}
