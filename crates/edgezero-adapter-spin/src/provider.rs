//! The [`StoreProvider`] that opens Spin labels and variables, generic over the host API.

use std::rc::Rc;

use async_trait::async_trait;
use edgezero_core::env::StoreKind;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::secrets::{SecretError, SecretStore};
use edgezero_core::store::{StoreBinding, StoreProvider};

use crate::config::SpinConfig;
use crate::error::{map_kv_error, Op, SpinKvError, StoreRef};
use crate::kv::{KvBackend, SpinKv};
use crate::secrets::{SpinSecrets, VariableError, VariableSource};

/// What the adapter needs from Spin: open a key-value label, read a variable.
///
/// Implemented with `spin_sdk` on `wasm32`, and by in-memory fakes in host tests.
#[allow(
    async_fn_in_trait,
    reason = "component futures are single-threaded; no Send bound wanted"
)]
pub trait SpinHost: 'static {
    /// An opened label.
    type Store: KvBackend + 'static;
    /// Opens the key-value store labelled `label` (`Store::open`).
    async fn open_store(&self, label: &str) -> Result<Self::Store, SpinKvError>;
    /// Reads the variable `name` (`variables::get`).
    async fn variable(&self, name: &str) -> Result<String, VariableError>;
}

/// Opens stores lazily: the core [`Stores`](edgezero_core::Stores) registry calls it at most
/// once per store and request, and only for the stores a handler uses.
#[derive(Debug)]
pub struct SpinProvider<H> {
    host: Rc<H>,
}

impl<H: SpinHost> SpinProvider<H> {
    /// A provider over `host`.
    pub fn new(host: Rc<H>) -> Self {
        SpinProvider { host }
    }
}

/// Reads variables through a shared host.
struct HostVariables<H>(Rc<H>);

impl<H: SpinHost> VariableSource for HostVariables<H> {
    async fn get(&self, name: &str) -> Result<String, VariableError> {
        self.0.variable(name).await
    }
}

fn store_ref(kind: StoreKind, binding: &StoreBinding) -> StoreRef<'_> {
    StoreRef {
        kind,
        id: &binding.id,
        label: &binding.name,
    }
}

#[async_trait(?Send)]
impl<H: SpinHost> StoreProvider for SpinProvider<H> {
    async fn open_kv(&self, binding: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError> {
        let store =
            self.host.open_store(&binding.name).await.map_err(|e| {
                map_kv_error::<KvError>(e, store_ref(StoreKind::Kv, binding), Op::Open)
            })?;
        Ok(Rc::new(SpinKv::new(store, binding)))
    }

    async fn open_config(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn ConfigStore>, ConfigError> {
        let store = self.host.open_store(&binding.name).await.map_err(|e| {
            map_kv_error::<ConfigError>(e, store_ref(StoreKind::Config, binding), Op::Open)
        })?;
        Ok(Rc::new(SpinConfig::new(store, binding)))
    }

    async fn open_secrets(
        &self,
        _binding: &StoreBinding,
    ) -> Result<Rc<dyn SecretStore>, SecretError> {
        // One flat variable namespace per component: nothing to open.
        Ok(Rc::new(SpinSecrets::new(HostVariables(Rc::clone(
            &self.host,
        )))))
    }
}
