//! The [`StoreProvider`] that opens the Worker's bindings.

use std::marker::PhantomData;
use std::rc::Rc;

use edgezero_core::env::StoreKind;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::secrets::{SecretError, SecretStore};
use edgezero_core::store::{StoreBinding, StoreProvider};
use edgezero_core::App;

use crate::atomic::client::AtomicKv;
use crate::config::WorkersConfig;
use crate::error::{config_unavailable, kv_unavailable, BindingRef};
use crate::kv::WorkersKv;
use crate::secrets::WorkerSecrets;

/// Opens each store of app `A` from the Worker's environment: a KV id's binding is the
/// atomic store when it is a Durable Object namespace, else a Workers KV namespace.
///
/// `A` is a type parameter, not a value, so that a kind of store the app does not declare
/// (`A::stores()` is a constant) compiles to nothing: a Worker without config carries no
/// config code, one without secrets no secrets code. The registry never asks for an
/// undeclared store, so the "not declared" branches below are unreachable in practice.
pub struct WorkerProvider<A> {
    env: worker::Env,
    app: PhantomData<fn() -> A>,
}

impl<A> WorkerProvider<A> {
    /// A provider over the Worker's environment.
    pub fn new(env: worker::Env) -> Self {
        WorkerProvider {
            env,
            app: PhantomData,
        }
    }
}

fn binding_ref(kind: StoreKind, binding: &StoreBinding) -> BindingRef<'_> {
    BindingRef {
        kind,
        id: &binding.id,
        binding: &binding.name,
    }
}

#[async_trait::async_trait(?Send)]
impl<A: App> StoreProvider for WorkerProvider<A> {
    async fn open_kv(&self, binding: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError> {
        self.open_kv_now(binding)
            .unwrap_or_else(|| Err(KvError::UnknownStore(binding.id.to_string())))
    }

    fn open_kv_now(&self, binding: &StoreBinding) -> Option<Result<Rc<dyn KvStore>, KvError>> {
        if A::stores().kv.ids.is_empty() {
            return Some(Err(KvError::UnknownStore(binding.id.to_string())));
        }
        let (id, name) = (binding.id.clone(), binding.name.clone());
        Some(if let Ok(ns) = self.env.durable_object(&name) {
            Ok(Rc::new(AtomicKv::new(ns, id, name)))
        } else if let Ok(kv) = self.env.kv(&name) {
            Ok(Rc::new(WorkersKv::new(kv, id, name)))
        } else {
            let store = binding_ref(StoreKind::Kv, binding);
            Err(kv_unavailable(store, store.missing()))
        })
    }

    async fn open_config(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn ConfigStore>, ConfigError> {
        if A::stores().config.ids.is_empty() {
            return Err(ConfigError::UnknownStore(binding.id.to_string()));
        }
        match self.env.kv(&binding.name) {
            Ok(kv) => Ok(Rc::new(WorkersConfig::new(
                kv,
                binding.id.clone(),
                binding.name.clone(),
            ))),
            Err(_) => {
                let store = binding_ref(StoreKind::Config, binding);
                Err(config_unavailable(store, store.missing()))
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
        Ok(Rc::new(WorkerSecrets::new(self.env.clone())))
    }
}
