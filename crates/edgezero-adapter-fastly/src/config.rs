//! `[stores.config]` ids on Fastly Config Stores, keys read verbatim (the dotted key
//! `service.timeout_ms` is stored and read as `service.timeout_ms`). A Config Store cannot
//! be listed: a typed config reads every entry from the index entry `edgezero.entries`
//! that `edgezero config push --adapter fastly` writes.

use std::sync::Arc;

use async_trait::async_trait;
use edgezero_core::env::StoreKind;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_fastly_names::{index_chunks, parse_index, ENTRIES_KEY};

use crate::error::{config_unavailable, StoreRef};

/// A config id on a Fastly Config Store.
pub struct FastlyConfig {
    store: fastly::ConfigStore,
    id: Arc<str>,
    name: Arc<str>,
}

impl FastlyConfig {
    /// The Config Store `name` for config id `id`.
    pub fn new(store: fastly::ConfigStore, id: Arc<str>, name: Arc<str>) -> Self {
        FastlyConfig { store, id, name }
    }

    fn store_ref(&self) -> StoreRef<'_> {
        StoreRef {
            kind: StoreKind::Config,
            id: &self.id,
            name: &self.name,
        }
    }

    fn lookup(&self, key: &str) -> Result<Option<String>, ConfigError> {
        self.store.try_get(key).map_err(|e| {
            config_unavailable(
                self.store_ref(),
                format!("Fastly Config Store `{}` lookup of `{key}`: {e}", self.name),
            )
        })
    }
}

#[async_trait(?Send)]
impl ConfigStore for FastlyConfig {
    async fn get(&self, key: &str) -> Result<Option<String>, ConfigError> {
        if key.is_empty() || key.chars().count() > edgezero_fastly_names::CONFIG_MAX_KEY_CHARS {
            return Ok(None);
        }
        self.lookup(key)
    }

    async fn entries(&self) -> Result<Vec<(String, String)>, ConfigError> {
        let Some(index) = self.lookup(ENTRIES_KEY)? else {
            return Err(config_unavailable(
                self.store_ref(),
                format!(
                    "Fastly Config Store `{}` has no `{ENTRIES_KEY}` entry, and a Config Store cannot be listed; write the store with `edgezero config push --adapter fastly` (it adds that entry)",
                    self.name
                ),
            ));
        };
        let json = match index_chunks(&index) {
            None => index,
            Some(n) => {
                let mut json = String::new();
                for i in 0..n {
                    let key = format!("{ENTRIES_KEY}.{i}");
                    match self.lookup(&key)? {
                        Some(part) => json.push_str(&part),
                        None => {
                            return Err(config_unavailable(
                                self.store_ref(),
                                format!("Fastly Config Store `{}` lacks `{key}` of its index; push the config again", self.name),
                            ))
                        }
                    }
                }
                json
            }
        };
        parse_index(&json).map_err(|e| {
            config_unavailable(
                self.store_ref(),
                format!(
                    "Fastly Config Store `{}`: {e}; push the config again",
                    self.name
                ),
            )
        })
    }
}
