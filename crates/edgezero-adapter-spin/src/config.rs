//! Config stores on Spin labels.
//!
//! Each `[stores.config]` id opens its own Spin key-value label
//! (`EDGEZERO__STORES__CONFIG__<ID>__NAME` or the id). Keys are read verbatim: the dotted key
//! `service.timeout_ms` is stored and read as `service.timeout_ms`. Values must be UTF-8.

use async_trait::async_trait;
use edgezero_core::env::StoreKind;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::StoreBinding;

use crate::error::{map_kv_error, Op, StoreRef};
use crate::kv::KvBackend;

/// A config store (`[stores.config]` id) backed by one Spin label.
#[derive(Debug)]
pub struct SpinConfig<B> {
    backend: B,
    id: String,
    label: String,
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
}
