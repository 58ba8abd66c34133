//! `[stores.secrets]` ids on Fastly Secret Stores: secret `name` is the store's entry
//! `name` in lower case (`API_TOKEN` → `api_token`, as Spin variables are written). A secret
//! that is not set reads as absent.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::env::StoreKind;
use edgezero_core::store::secrets::{SecretError, SecretStore};

use crate::error::{secrets_unavailable, StoreRef};

/// A secrets id on a Fastly Secret Store.
pub struct FastlySecrets {
    store: fastly::SecretStore,
    id: Arc<str>,
    name: Arc<str>,
}

impl FastlySecrets {
    /// The Secret Store `name` for secrets id `id`.
    pub fn new(store: fastly::SecretStore, id: Arc<str>, name: Arc<str>) -> Self {
        FastlySecrets { store, id, name }
    }
}

#[async_trait(?Send)]
impl SecretStore for FastlySecrets {
    async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError> {
        let store = StoreRef {
            kind: StoreKind::Secrets,
            id: &self.id,
            name: &self.name,
        };
        let entry = edgezero_fastly_names::secret_entry(name);
        let secret = self.store.try_get(&entry).map_err(|e| {
            secrets_unavailable(
                store,
                format!("Secret Store `{}` lookup of `{name}`: {e}", self.name),
            )
        })?;
        match secret {
            None => Ok(None),
            Some(secret) => secret.try_plaintext().map(Some).map_err(|e| {
                secrets_unavailable(
                    store,
                    format!(
                        "secret `{name}` of Secret Store `{}` could not be decrypted: {e}",
                        self.name
                    ),
                )
            }),
        }
    }

    fn how_to_set(&self, name: &str) -> Option<String> {
        let name = edgezero_fastly_names::secret_entry(name);
        Some(format!(
            "run `fastly secret-store-entry create --store-id=<the id of Secret Store `{store}`> --name={name} --stdin` (locally: `edgezero serve --adapter fastly --variable {name}=@FILE`, or a [[local_server.secret_stores.{store}]] entry in fastly.toml)",
            store = self.name
        ))
    }
}
