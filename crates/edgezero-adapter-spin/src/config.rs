//! Config stores on Spin labels.
//!
//! Each `[stores.config]` id opens its own Spin key-value label
//! (`EDGEZERO__STORES__CONFIG__<ID>__NAME` or the id). Keys are read verbatim: the dotted key
//! `service.timeout_ms` is stored and read as `service.timeout_ms`. Values must be UTF-8.

use std::sync::Arc;

use async_trait::async_trait;
use edgezero_core::env::StoreKind;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::StoreBinding;

use crate::error::{map_kv_error, Op, StoreRef};
use crate::kv::{KeyStream, KvBackend};

/// A config store (`[stores.config]` id) backed by one Spin label.
#[derive(Debug)]
pub struct SpinConfig<B> {
    backend: B,
    id: Arc<str>,
    label: Arc<str>,
}

impl<B: KvBackend> SpinConfig<B> {
    /// Wraps a label opened for `binding`.
    pub fn new(backend: B, binding: &StoreBinding) -> Self {
        SpinConfig {
            backend,
            id: binding.id.clone(),
            label: binding.name.clone(),
        }
    }

    /// The Spin label.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// Decodes a stored config value; a non-UTF-8 value is an error that names the key.
pub fn decode_value(key: &str, bytes: Vec<u8>) -> Result<String, ConfigError> {
    String::from_utf8(bytes).map_err(|e| ConfigError::InvalidValue {
        key: key.to_string(),
        reason: format!(
            "the stored value is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

#[async_trait(?Send)]
impl<B: KvBackend + 'static> ConfigStore for SpinConfig<B> {
    async fn get(&self, key: &str) -> Result<Option<String>, ConfigError> {
        let store = StoreRef {
            kind: StoreKind::Config,
            id: &self.id,
            label: &self.label,
        };
        match self.backend.get(key).await {
            Ok(Some(bytes)) => decode_value(key, bytes).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(map_kv_error(e, store, Op::Get(key))),
        }
    }

    /// `get_keys()`, then one `get` per key (a key deleted in between is left out).
    async fn entries(&self) -> Result<Vec<(String, String)>, ConfigError> {
        let store = || StoreRef {
            kind: StoreKind::Config,
            id: &self.id,
            label: &self.label,
        };
        let mut stream = self.backend.get_keys().await;
        let mut keys = Vec::new();
        while let Some(key) = stream.next_key().await {
            keys.push(key);
        }
        stream
            .finish()
            .await
            .map_err(|e| map_kv_error::<ConfigError>(e, store(), Op::ListKeys))?;
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            match self.backend.get(&key).await {
                Ok(Some(bytes)) => {
                    let value = decode_value(&key, bytes)?;
                    entries.push((key, value));
                }
                Ok(None) => {}
                Err(e) => return Err(map_kv_error(e, store(), Op::Get(&key))),
            }
        }
        Ok(entries)
    }
}
