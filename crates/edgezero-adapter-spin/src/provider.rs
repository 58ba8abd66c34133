//! The [`StoreProvider`] that opens Spin labels and variables, generic over the host API.

use std::future::{ready, Future};
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

use edgezero_core::env::StoreKind;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::secrets::{SecretError, SecretStore};
use edgezero_core::store::{StoreBinding, StoreProvider};
use edgezero_core::App;

use crate::config::SpinConfig;
use crate::error::{map_kv_error, Op, StoreRef};
pub use crate::kv::SpinHost;
use crate::kv::SpinKv;
use crate::secrets::{SpinSecrets, VariableError, VariableSource};

/// Opens the stores of app `A` lazily: the core [`Stores`](edgezero_core::Stores) registry
/// calls it at most once per store and request, and only for the stores a handler uses.
///
/// `A` is a type parameter, not a value, so that a kind of store the app does not declare
/// (`A::stores()` is a constant) compiles to nothing: a component without secrets carries no
/// variables code, one without config no config code. The registry never asks for an
/// undeclared store, so the "not declared" branches below are unreachable in practice.
#[derive(Debug)]
pub struct SpinProvider<H, A> {
    host: Rc<H>,
    app: PhantomData<fn() -> A>,
}

impl<H: SpinHost, A: App> SpinProvider<H, A> {
    /// A provider over `host` for the stores `A` declares.
    pub fn new(host: Rc<H>) -> Self {
        SpinProvider {
            host,
            app: PhantomData,
        }
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

impl<H: SpinHost, A: App> SpinProvider<H, A> {
    /// The store of a `[stores.kv]` id. Nothing to ask the host yet: the handle opens the
    /// `spin:key-value` store or the `wasi:keyvalue` bucket when an operation first needs one.
    fn kv(&self, binding: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError> {
        if A::stores().kv.ids.is_empty() {
            return Err(KvError::UnknownStore(binding.id.to_string()));
        }
        Ok(Rc::new(SpinKv::new(Rc::clone(&self.host), binding)))
    }

    async fn open_config_label(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn ConfigStore>, ConfigError> {
        let store = self.host.open_store(&binding.name).await.map_err(|e| {
            map_kv_error::<ConfigError>(e, store_ref(StoreKind::Config, binding), Op::Open)
        })?;
        Ok(Rc::new(SpinConfig::new(store, binding)))
    }
}

/// The future type of [`StoreProvider`]'s methods (what `#[async_trait(?Send)]` expands to).
type Opening<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

// Written out rather than with `#[async_trait]`: the "kind not declared" test must happen
// before the future is built. Inside an `async` body the code after the first `.await`
// stays reachable from the state machine, so an undeclared kind would still be linked in.
impl<H: SpinHost, A: App> StoreProvider for SpinProvider<H, A> {
    fn open_kv<'s, 'b, 'f>(
        &'s self,
        binding: &'b StoreBinding,
    ) -> Opening<'f, Result<Rc<dyn KvStore>, KvError>>
    where
        's: 'f,
        'b: 'f,
        Self: 'f,
    {
        Box::pin(ready(self.kv(binding)))
    }

    fn open_kv_now(&self, binding: &StoreBinding) -> Option<Result<Rc<dyn KvStore>, KvError>> {
        Some(self.kv(binding))
    }

    fn open_config<'s, 'b, 'f>(
        &'s self,
        binding: &'b StoreBinding,
    ) -> Opening<'f, Result<Rc<dyn ConfigStore>, ConfigError>>
    where
        's: 'f,
        'b: 'f,
        Self: 'f,
    {
        if A::stores().config.ids.is_empty() {
            return Box::pin(ready(Err(ConfigError::UnknownStore(
                binding.id.to_string(),
            ))));
        }
        Box::pin(self.open_config_label(binding))
    }

    fn open_secrets<'s, 'b, 'f>(
        &'s self,
        binding: &'b StoreBinding,
    ) -> Opening<'f, Result<Rc<dyn SecretStore>, SecretError>>
    where
        's: 'f,
        'b: 'f,
        Self: 'f,
    {
        if A::stores().secrets.ids.is_empty() {
            return Box::pin(ready(Err(SecretError::UnknownStore(
                binding.id.to_string(),
            ))));
        }
        // One flat variable namespace per component: nothing to open.
        let store: Rc<dyn SecretStore> =
            Rc::new(SpinSecrets::new(HostVariables(Rc::clone(&self.host))));
        Box::pin(ready(Ok(store)))
    }
}
