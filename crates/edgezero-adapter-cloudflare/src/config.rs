//! `[stores.config]` ids on Workers KV namespaces, keys read verbatim (the dotted key
//! `service.timeout_ms` is stored and read as `service.timeout_ms`). Values must be UTF-8.

/// Decodes a stored config value; a non-UTF-8 value is an error that names the key.
pub fn decode_value(
    key: &str,
    bytes: Vec<u8>,
) -> Result<String, edgezero_core::store::config::ConfigError> {
    String::from_utf8(bytes).map_err(
        |e| edgezero_core::store::config::ConfigError::InvalidValue {
            key: key.to_string(),
            reason: format!(
                "the stored value is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        },
    )
}

#[cfg(target_arch = "wasm32")]
pub use backend::WorkersConfig;

#[cfg(target_arch = "wasm32")]
mod backend {
    use std::sync::Arc;

    use async_trait::async_trait;
    use edgezero_core::env::StoreKind;
    use edgezero_core::store::config::{ConfigError, ConfigStore};

    use super::decode_value;
    use crate::error::{config_unavailable, BindingRef};

    /// A config id bound to a Workers KV namespace.
    pub struct WorkersConfig {
        kv: worker::KvStore,
        id: Arc<str>,
        binding: Arc<str>,
    }

    impl WorkersConfig {
        /// The namespace bound as `binding` for config id `id`.
        pub fn new(kv: worker::KvStore, id: Arc<str>, binding: Arc<str>) -> Self {
            WorkersConfig { kv, id, binding }
        }

        fn fail(&self, what: &str, e: impl std::fmt::Display) -> ConfigError {
            let store = BindingRef {
                kind: StoreKind::Config,
                id: &self.id,
                binding: &self.binding,
            };
            config_unavailable(store, format!("Workers KV `{}` {what}: {e}", self.binding))
        }
    }

    #[async_trait(?Send)]
    impl ConfigStore for WorkersConfig {
        async fn get(&self, key: &str) -> Result<Option<String>, ConfigError> {
            match self.kv.get(key).bytes().await {
                Ok(Some(bytes)) => decode_value(key, bytes).map(Some),
                Ok(None) => Ok(None),
                Err(e) => Err(self.fail("get", e)),
            }
        }

        /// Every key (listing pages), then one `get` per key (a key deleted in between is
        /// left out).
        async fn entries(&self) -> Result<Vec<(String, String)>, ConfigError> {
            let mut keys = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let mut list = self.kv.list();
                if let Some(c) = cursor.take() {
                    list = list.cursor(c);
                }
                let page = list.execute().await.map_err(|e| self.fail("list", e))?;
                keys.extend(page.keys.into_iter().map(|k| k.name));
                match page.cursor {
                    Some(c) if !page.list_complete && !c.is_empty() => cursor = Some(c),
                    _ => break,
                }
            }
            let mut out = Vec::with_capacity(keys.len());
            for key in keys {
                if let Some(value) = self.get(&key).await? {
                    out.push((key, value));
                }
            }
            Ok(out)
        }
    }
}
