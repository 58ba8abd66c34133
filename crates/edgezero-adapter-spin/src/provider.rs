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
use crate::error::{map_kv_error, Op, SpinKvError, StoreRef};
use crate::kv::{BucketBackend, KvBackend, SpinKv};
use crate::secrets::{SpinSecrets, VariableError, VariableSource};

/// What the adapter needs from Spin: open a key-value label (as a `spin:key-value` store or
/// a `wasi:keyvalue` bucket), read a variable.
///
/// Implemented with `spin_sdk` on `wasm32`, and by in-memory fakes in host tests.
#[allow(
    async_fn_in_trait,
    reason = "component futures are single-threaded; no Send bound wanted"
)]
pub trait SpinHost: 'static {
    /// An opened label.
    type Store: KvBackend + 'static;
    /// An opened `wasi:keyvalue` bucket ([`NoBucket`](crate::kv::NoBucket) where there is
    /// none).
    type Bucket: BucketBackend + 'static;
    /// Opens the key-value store labelled `label` (`Store::open`).
    async fn open_store(&self, label: &str) -> Result<Self::Store, SpinKvError>;
    /// Opens the `wasi:keyvalue` bucket labelled `label` (`store.open`), which Spin backs
    /// and grants like the `spin:key-value` store of that label. `None` when the component
    /// does not import `wasi:keyvalue` (built without the `wasi-keyvalue` feature).
    /// Synchronous, as the WIT function is.
    fn open_bucket(&self, label: &str) -> Option<Result<Self::Bucket, SpinKvError>>;
    /// The label's store served by a bucket already opened for it, when the host does plain
    /// operations through the bucket too (Spin with `wasi-keyvalue`): then a request that
    /// both counts and reads opens its label once, not twice. `None` (the default): open
    /// the store with [`SpinHost::open_store`].
    fn store_from_bucket(&self, _bucket: &Self::Bucket) -> Option<Self::Store> {
        None
    }
    /// The converse of [`SpinHost::store_from_bucket`]: the bucket of a store already open.
    fn bucket_from_store(&self, _store: &Self::Store) -> Option<Self::Bucket> {
        None
    }
    /// Reads the variable `name` (`variables::get`).
    async fn variable(&self, name: &str) -> Result<String, VariableError>;
}

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
