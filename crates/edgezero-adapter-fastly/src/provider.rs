//! The [`StoreProvider`] that opens the service's stores by name.

use std::cell::OnceCell;
use std::marker::PhantomData;
use std::rc::Rc;

use edgezero_core::env::StoreKind;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::secrets::{SecretError, SecretStore};
use edgezero_core::store::{StoreBinding, StoreProvider};
use edgezero_core::App;
use fastly::kv_store::{KVStore, KVStoreError};

use crate::config::FastlyConfig;
use crate::error::{config_unavailable, kv_unavailable, secrets_unavailable, StoreRef};
use crate::kv::FastlyKv;
use crate::local_state::LocalState;
use crate::secrets::FastlySecrets;

/// Opens each store of a request for app `A`.
///
/// `A` is a type parameter, not a value, so that a kind of store the app does not declare
/// (`A::stores()` is a constant) compiles to nothing: an app without secrets carries no
/// Secret Store code, one without config no Config Store code. The registry never asks for
/// an undeclared store, so the "not declared" branches below are unreachable in practice.
pub struct FastlyProvider<A> {
    local: OnceCell<Option<Rc<LocalState>>>,
    app: PhantomData<fn() -> A>,
}

impl<A> Default for FastlyProvider<A> {
    fn default() -> Self {
        FastlyProvider {
            local: OnceCell::new(),
            app: PhantomData,
        }
    }
}

fn store_ref(kind: StoreKind, binding: &StoreBinding) -> StoreRef<'_> {
    StoreRef {
        kind,
        id: &binding.id,
        name: &binding.name,
    }
}

impl<A> FastlyProvider<A> {
    fn local(&self) -> Option<Rc<LocalState>> {
        self.local
            .get_or_init(|| LocalState::detect().map(Rc::new))
            .clone()
    }
}

#[async_trait::async_trait(?Send)]
impl<A: App> StoreProvider for FastlyProvider<A> {
    async fn open_kv(&self, binding: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError> {
        self.open_kv_now(binding)
            .unwrap_or_else(|| Err(KvError::UnknownStore(binding.id.to_string())))
    }

    fn open_kv_now(&self, binding: &StoreBinding) -> Option<Result<Rc<dyn KvStore>, KvError>> {
        if A::stores().kv.ids.is_empty() {
            return Some(Err(KvError::UnknownStore(binding.id.to_string())));
        }
        let store = store_ref(StoreKind::Kv, binding);
        Some(match KVStore::open(&binding.name) {
            Ok(Some(kv)) => Ok(Rc::new(FastlyKv::new(
                kv,
                binding.id.clone(),
                binding.name.clone(),
                self.local(),
            ))),
            Ok(None) | Err(KVStoreError::StoreNotFound(_)) => {
                Err(kv_unavailable(store, store.missing()))
            }
            Err(e) => Err(kv_unavailable(
                store,
                format!(
                    "Fastly KV Store `{}` could not be opened: {e}",
                    binding.name
                ),
            )),
        })
    }

    async fn open_config(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn ConfigStore>, ConfigError> {
        if A::stores().config.ids.is_empty() {
            return Err(ConfigError::UnknownStore(binding.id.to_string()));
        }
        match fastly::ConfigStore::try_open(&binding.name) {
            Ok(store) => Ok(Rc::new(FastlyConfig::new(
                store,
                binding.id.clone(),
                binding.name.clone(),
            ))),
            Err(e) => {
                let store = store_ref(StoreKind::Config, binding);
                Err(config_unavailable(
                    store,
                    format!("{} ({e})", store.missing()),
                ))
            }
        }
    }

    async fn open_secrets(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn SecretStore>, SecretError> {
        if A::stores().secrets.ids.is_empty() {
            return Err(SecretError::UnknownStore(binding.id.to_string()));
        }
        match fastly::SecretStore::open(&binding.name) {
            Ok(store) => Ok(Rc::new(FastlySecrets::new(
                store,
                binding.id.clone(),
                binding.name.clone(),
            ))),
            Err(e) => {
                let store = store_ref(StoreKind::Secrets, binding);
                Err(secrets_unavailable(
                    store,
                    format!("{} ({e})", store.missing()),
                ))
            }
        }
    }
}
