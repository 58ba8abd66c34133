//! Stores: key-value, config and secrets, addressed by logical id.
//!
//! An app declares logical ids in `edgezero.toml` (`[stores.kv]`, `[stores.config]`,
//! `[stores.secrets]`); `app!` bakes them into [`StoreMetadata`]. At startup an adapter
//! resolves them into [`StoreBindings`] (applying the `EDGEZERO__STORES__*` overlay, see
//! [`crate::env`]) and, per request, hands a [`Stores`] registry to the router. A store is
//! opened through the adapter's [`StoreProvider`] the first time a handler asks for it, and
//! at most once per request.

pub mod atomic;
pub mod config;
pub mod kv;
pub use kv::limits;
pub mod paging;
pub mod secrets;
mod typed_config;
pub mod validate;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use async_trait::async_trait;

use crate::env::{self, StoreKind};
use config::{ConfigError, ConfigHandle, ConfigStore};
use kv::{KvError, KvHandle, KvStore};
use secrets::{SecretError, SecretHandle, SecretStore};

/// Logical ids of one kind of store, as declared in `edgezero.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreIds {
    /// The declared ids.
    pub ids: &'static [&'static str],
    /// The declared default; with a single id, that id is the default.
    pub default: Option<&'static str>,
}

impl StoreIds {
    /// No stores of this kind.
    pub const NONE: StoreIds = StoreIds {
        ids: &[],
        default: None,
    };

    /// The id used when a handler asks for "the" store of this kind.
    pub fn default_id(&self) -> Option<&'static str> {
        match (self.default, self.ids) {
            (Some(d), _) => Some(d),
            (None, [only]) => Some(only),
            _ => None,
        }
    }
}

/// Store ids of every kind, baked into an app by `app!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreMetadata {
    /// `[stores.kv]`
    pub kv: StoreIds,
    /// `[stores.config]`
    pub config: StoreIds,
    /// `[stores.secrets]`
    pub secrets: StoreIds,
}

impl StoreMetadata {
    /// An app without stores.
    pub const NONE: StoreMetadata = StoreMetadata {
        kv: StoreIds::NONE,
        config: StoreIds::NONE,
        secrets: StoreIds::NONE,
    };

    /// The ids of one kind.
    pub fn of(&self, kind: StoreKind) -> &StoreIds {
        match kind {
            StoreKind::Kv => &self.kv,
            StoreKind::Config => &self.config,
            StoreKind::Secrets => &self.secrets,
        }
    }
}

/// One logical store resolved against the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreBinding {
    /// Which kind of store.
    pub kind: StoreKind,
    /// The logical id from `edgezero.toml`. Shared: the handles and backends opened for
    /// each request keep it without copying it.
    pub id: Arc<str>,
    /// The platform name (a Spin label): `EDGEZERO__STORES__<KIND>__<ID>__NAME` or the id.
    pub name: Arc<str>,
    /// KV only: the listing cap, or the error naming the invalid variable.
    pub max_list_keys: Result<usize, env::EnvError>,
}

impl StoreBinding {
    /// The variable that raises this store's listing cap.
    pub fn max_list_keys_var(&self) -> String {
        env::max_list_keys_var(&self.id)
    }
}

/// Every logical store of an app, resolved once per process (or component instance).
#[derive(Debug, Clone, Default)]
pub struct StoreBindings {
    kv: Vec<StoreBinding>,
    config: Vec<StoreBinding>,
    secrets: Vec<StoreBinding>,
    defaults: [Option<usize>; 3],
    /// KV only, parallel to `kv`: the limits profile (`EDGEZERO__STORES__KV__<ID>__LIMITS`).
    kv_limits: Vec<Result<Option<limits::KvLimits>, limits::UnknownProfile>>,
    /// The typed configs read through these bindings ([`crate::AppConfig`]): they live as
    /// long as the adapter keeps the bindings, once per process or component instance.
    typed_config: typed_config::TypedConfigCache,
}

impl StoreBindings {
    /// Resolves metadata with an environment lookup (see [`crate::env`]).
    pub fn resolve(meta: &StoreMetadata, lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        // Every field written out: `..Default::default()` would build a typed-config cache
        // only to drop it, on every fresh Spin instance.
        let mut out = StoreBindings {
            kv: Vec::new(),
            config: Vec::new(),
            secrets: Vec::new(),
            defaults: [None; 3],
            kv_limits: Vec::new(),
            typed_config: typed_config::TypedConfigCache::new(env::resolve_config_version_check(
                lookup,
            )),
        };
        for (slot, kind) in [StoreKind::Kv, StoreKind::Config, StoreKind::Secrets]
            .into_iter()
            .enumerate()
        {
            let ids = meta.of(kind);
            let bindings: Vec<StoreBinding> = ids
                .ids
                .iter()
                .map(|id| StoreBinding {
                    kind,
                    id: Arc::from(*id),
                    name: env::resolve_store_name(kind, id, lookup).into(),
                    max_list_keys: match kind {
                        StoreKind::Kv => env::resolve_max_list_keys(id, lookup),
                        _ => Ok(env::DEFAULT_MAX_LIST_KEYS),
                    },
                })
                .collect();
            out.defaults[slot] = ids
                .default_id()
                .and_then(|d| bindings.iter().position(|b| &*b.id == d));
            match kind {
                StoreKind::Kv => {
                    out.kv_limits = ids
                        .ids
                        .iter()
                        .map(|id| limits::resolve(id, lookup))
                        .collect();
                    out.kv = bindings
                }
                StoreKind::Config => out.config = bindings,
                StoreKind::Secrets => out.secrets = bindings,
            }
        }
        out
    }

    /// The bindings of one kind, in declaration order.
    pub fn all(&self, kind: StoreKind) -> &[StoreBinding] {
        match kind {
            StoreKind::Kv => &self.kv,
            StoreKind::Config => &self.config,
            StoreKind::Secrets => &self.secrets,
        }
    }

    fn index(&self, kind: StoreKind, id: Option<&str>) -> Option<usize> {
        match id {
            Some(id) => self.all(kind).iter().position(|b| &*b.id == id),
            None => self.defaults[kind as usize],
        }
    }

    /// The binding for `id`.
    pub fn get(&self, kind: StoreKind, id: &str) -> Option<&StoreBinding> {
        self.all(kind).iter().find(|b| &*b.id == id)
    }

    /// The limits profile of KV store `id` (`None`: the usual rules only).
    pub fn kv_limits(&self, id: &str) -> Result<Option<limits::KvLimits>, limits::UnknownProfile> {
        match self.kv.iter().position(|b| &*b.id == id) {
            Some(i) => self.kv_limits.get(i).cloned().unwrap_or(Ok(None)),
            None => Ok(None),
        }
    }

    /// The default binding of a kind.
    pub fn default_binding(&self, kind: StoreKind) -> Option<&StoreBinding> {
        self.defaults[kind as usize].map(|i| &self.all(kind)[i])
    }

    pub(crate) fn typed_config(&self) -> &typed_config::TypedConfigCache {
        &self.typed_config
    }
}

/// The seam an adapter implements: open one store by its resolved binding.
#[async_trait(?Send)]
pub trait StoreProvider {
    /// Opens a key-value store.
    async fn open_kv(&self, binding: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError>;
    /// Opens a key-value store at once, for a provider that has nothing to wait for (its
    /// handles connect on first use); the registry tries it before [`Self::open_kv`], which
    /// then runs without the boxed future of an `async` trait method. `None` (the
    /// default): await `open_kv`.
    fn open_kv_now(&self, binding: &StoreBinding) -> Option<Result<Rc<dyn KvStore>, KvError>> {
        let _ = binding;
        None
    }
    /// Opens a config store.
    async fn open_config(&self, binding: &StoreBinding)
        -> Result<Rc<dyn ConfigStore>, ConfigError>;
    /// Opens a secret store.
    async fn open_secrets(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn SecretStore>, SecretError>;
}

/// The per-request registry of stores. Cheap to clone; opens each store lazily, once.
#[derive(Clone)]
pub struct Stores {
    inner: Option<Rc<StoresInner>>,
}

struct StoresInner {
    bindings: Arc<StoreBindings>,
    provider: Rc<dyn StoreProvider>,
    kv: RefCell<Opened<KvHandle>>,
    config: RefCell<Opened<ConfigHandle>>,
    secrets: RefCell<Opened<SecretHandle>>,
}

/// The handles of one kind a request has opened, by binding index. A request seldom opens
/// more than one store of a kind, so the first is kept inline: no allocation for it.
struct Opened<H> {
    first: Option<(usize, H)>,
    more: Vec<(usize, H)>,
}

impl<H> Default for Opened<H> {
    fn default() -> Self {
        Opened {
            first: None,
            more: Vec::new(),
        }
    }
}

impl<H> Opened<H> {
    fn get(&self, idx: usize) -> Option<&H> {
        self.first
            .iter()
            .chain(&self.more)
            .find(|(i, _)| *i == idx)
            .map(|(_, h)| h)
    }

    fn insert(&mut self, idx: usize, handle: H) {
        if self.first.is_none() {
            self.first = Some((idx, handle));
        } else {
            self.more.push((idx, handle));
        }
    }
}

fn no_default(kind: StoreKind) -> String {
    format!(
        "no default {} store: declare [stores.{}].ids in edgezero.toml (and `default` when there are several)",
        kind.as_str(),
        kind.as_str()
    )
}

async fn open_kv(
    provider: &dyn StoreProvider,
    binding: &StoreBinding,
) -> Result<Rc<dyn KvStore>, KvError> {
    match provider.open_kv_now(binding) {
        Some(opened) => opened,
        None => provider.open_kv(binding).await,
    }
}

async fn open_config(
    provider: &dyn StoreProvider,
    binding: &StoreBinding,
) -> Result<Rc<dyn ConfigStore>, ConfigError> {
    provider.open_config(binding).await
}

async fn open_secrets(
    provider: &dyn StoreProvider,
    binding: &StoreBinding,
) -> Result<Rc<dyn SecretStore>, SecretError> {
    provider.open_secrets(binding).await
}

macro_rules! open_cached {
    ($self:ident, $id:ident, $kind:expr, $cache:ident, $open:ident, $handle:ident, $unknown:expr) => {
        open_cached!(
            $self,
            $id,
            $kind,
            $cache,
            $open,
            $handle,
            $unknown,
            |_, handle| Ok(handle)
        )
    };
    ($self:ident, $id:ident, $kind:expr, $cache:ident, $open:ident, $handle:ident, $unknown:expr, $finish:expr) => {{
        let Some(inner) = &$self.inner else {
            return Err($unknown($id.map(str::to_string)));
        };
        let Some(idx) = inner.bindings.index($kind, $id) else {
            return Err($unknown($id.map(str::to_string)));
        };
        if let Some(h) = inner.$cache.borrow().get(idx) {
            return Ok(h.clone());
        }
        let binding = &inner.bindings.all($kind)[idx];
        let store = $open(&*inner.provider, binding).await?;
        let handle = $finish(binding, $handle::new(Arc::clone(&binding.id), store))?;
        inner.$cache.borrow_mut().insert(idx, handle.clone());
        Ok(handle)
    }};
}

impl Stores {
    /// A registry over `bindings`, opening stores through `provider`.
    pub fn new(bindings: Arc<StoreBindings>, provider: Rc<dyn StoreProvider>) -> Self {
        Stores {
            inner: Some(Rc::new(StoresInner {
                bindings,
                provider,
                kv: RefCell::default(),
                config: RefCell::default(),
                secrets: RefCell::default(),
            })),
        }
    }

    /// A registry with no stores (every lookup fails with an "unknown store" error).
    pub fn none() -> Self {
        Stores { inner: None }
    }

    /// The resolved bindings, if any.
    pub fn bindings(&self) -> Option<&StoreBindings> {
        self.inner.as_ref().map(|i| &*i.bindings)
    }

    async fn kv_opt(&self, id: Option<&str>) -> Result<KvHandle, KvError> {
        let unknown = |id: Option<String>| match id {
            Some(id) => KvError::UnknownStore(id),
            None => KvError::Misconfigured(no_default(StoreKind::Kv)),
        };
        // The limits profile is applied by the handle, not by a wrapping backend, so that
        // a component carries the checks of the operations it uses only.
        let with_limits = |binding: &StoreBinding, handle: KvHandle| {
            let limits = self
                .bindings()
                .map(|b| b.kv_limits(&binding.id))
                .transpose()
                .map_err(|e| KvError::Misconfigured(e.to_string()))?
                .flatten();
            Ok::<_, KvError>(handle.with_limits(limits))
        };
        open_cached!(
            self,
            id,
            StoreKind::Kv,
            kv,
            open_kv,
            KvHandle,
            unknown,
            with_limits
        )
    }

    async fn config_opt(&self, id: Option<&str>) -> Result<ConfigHandle, ConfigError> {
        let unknown = |id: Option<String>| match id {
            Some(id) => ConfigError::UnknownStore(id),
            None => ConfigError::Internal(no_default(StoreKind::Config)),
        };
        open_cached!(
            self,
            id,
            StoreKind::Config,
            config,
            open_config,
            ConfigHandle,
            unknown
        )
    }

    async fn secrets_opt(&self, id: Option<&str>) -> Result<SecretHandle, SecretError> {
        let unknown = |id: Option<String>| match id {
            Some(id) => SecretError::UnknownStore(id),
            None => SecretError::Internal(no_default(StoreKind::Secrets)),
        };
        open_cached!(
            self,
            id,
            StoreKind::Secrets,
            secrets,
            open_secrets,
            SecretHandle,
            unknown
        )
    }

    /// The key-value store with logical id `id`.
    pub async fn kv(&self, id: &str) -> Result<KvHandle, KvError> {
        self.kv_opt(Some(id)).await
    }

    /// The default key-value store.
    pub async fn default_kv(&self) -> Result<KvHandle, KvError> {
        self.kv_opt(None).await
    }

    /// The config store with logical id `id`.
    pub async fn config(&self, id: &str) -> Result<ConfigHandle, ConfigError> {
        self.config_opt(Some(id)).await
    }

    /// The default config store.
    pub async fn default_config(&self) -> Result<ConfigHandle, ConfigError> {
        self.config_opt(None).await
    }

    /// The secret store with logical id `id`.
    pub async fn secrets(&self, id: &str) -> Result<SecretHandle, SecretError> {
        self.secrets_opt(Some(id)).await
    }

    /// The default secret store.
    pub async fn default_secrets(&self) -> Result<SecretHandle, SecretError> {
        self.secrets_opt(None).await
    }
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores")
            .field("bindings", &self.bindings())
            .finish()
    }
}
