//! Reading a typed config from the stores, and the per-instance cache of the result.

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::de::{DeError, Node, NodeDe};
use super::{ConfigSchema, SecretField, RETRY_AFTER_FAILURE, VERSION_KEY};
use crate::env::StoreKind;
use crate::error::EdgeError;
use crate::store::config::{ConfigError, ConfigHandle};
use crate::store::secrets::{secret_variable_name, SecretError, SecretHandle};
use crate::store::Stores;

/// Why a load failed.
pub(crate) enum LoadError {
    /// A store could not be read: answered with the store's own status, not cached.
    Store(EdgeError),
    /// The entries or secrets do not make a `C`: a 503 naming the key, cached.
    Content(String),
}

macro_rules! store_errors {
    ($($ty:ty),*) => {$(
        impl From<$ty> for LoadError {
            fn from(e: $ty) -> Self {
                LoadError::Store(e.into())
            }
        }
    )*};
}

store_errors!(EdgeError, ConfigError, SecretError);

/// Reads every entry of `config`, replaces each `#[secret]` entry by the secret it names,
/// and deserialises the result.
pub(crate) async fn load<C: ConfigSchema>(
    config: &ConfigHandle,
    stores: &Stores,
) -> Result<C, LoadError> {
    let entries = config.entries().await?;
    let mut root = Node::from_entries(entries.into_iter().filter(|(k, _)| k != VERSION_KEY));
    let secret_fields = C::secret_fields();
    let mut secrets: Option<SecretHandle> = None;
    for field in &secret_fields {
        let Some(name) = root.get_mut(&field.key).and_then(|n| n.value.clone()) else {
            continue; // absent: serde reports a required field as missing
        };
        let store = match &secrets {
            Some(s) => s.clone(),
            None => {
                let s = open_secrets(stores, field).await?;
                secrets = Some(s.clone());
                s
            }
        };
        match read_secret(&store, field, &name).await? {
            Some(value) if !(field.optional && value.is_empty()) => {
                if let Some(node) = root.get_mut(&field.key) {
                    node.value = Some(value);
                    node.secret = true;
                }
            }
            // An optional secret that is unset or empty (`default = ""` in spin.toml) is None.
            _ if field.optional => root.remove_value(&field.key),
            _ => {
                return Err(LoadError::Content(format!(
                    "config entry `{}` names the secret `{name}`, which is not set; on Spin declare the variable `{var}` in spin.toml and give it a value, natively set SPIN_VARIABLE_{upper}",
                    field.key,
                    name = name.escape_debug(),
                    var = name.to_ascii_lowercase().escape_debug(),
                    upper = name.to_ascii_uppercase().escape_debug(),
                )))
            }
        }
    }
    C::deserialize(NodeDe::root(&root)).map_err(|e| LoadError::Content(message(e, &secret_fields)))
}

async fn open_secrets(stores: &Stores, field: &SecretField) -> Result<SecretHandle, LoadError> {
    let declared = stores
        .bindings()
        .is_some_and(|b| b.default_binding(StoreKind::Secrets).is_some());
    if !declared {
        return Err(LoadError::Content(format!(
            "config entry `{}` is a #[secret] field, but the app has no default secret store; declare [stores.secrets] ids = [\"default\"] in edgezero.toml",
            field.key
        )));
    }
    Ok(stores.default_secrets().await?)
}

async fn read_secret(
    store: &SecretHandle,
    field: &SecretField,
    name: &str,
) -> Result<Option<String>, LoadError> {
    let variable = secret_variable_name(name)
        .map_err(|e| LoadError::Content(format!("config entry `{}`: {e}", field.key)))?;
    let bytes: Option<Bytes> = store.get_bytes(&variable).await?;
    bytes
        .map(|b| {
            String::from_utf8(b.to_vec()).map_err(|_| {
                LoadError::Content(format!(
                    "config entry `{}` names the secret `{variable}`, whose value is not UTF-8 text",
                    field.key
                ))
            })
        })
        .transpose()
}

fn message(e: DeError, secret_fields: &[SecretField]) -> String {
    let key = e.key.as_deref().unwrap_or_default();
    let is_secret = secret_fields.iter().any(|f| f.key == key);
    match (key, e.missing) {
        ("", _) => format!("the config entries are invalid: {}", e.message),
        (key, true) => format!("config entry `{key}` is missing; add it to the config file and push it: `edgezero config push --adapter native` for the native server, `edgezero config push --adapter spin --local` for Spin"),
        (key, false) if is_secret => format!("config entry `{key}` is invalid (the secret's value cannot be read as the field's type)"),
        (key, false) => format!("config entry `{key}` is invalid: {}", e.message),
    }
}

/// The typed configs of one app, kept as long as its store bindings (once per process or
/// component instance), one slot per config type.
#[derive(Clone)]
pub(crate) struct Cache {
    slots: Arc<Mutex<Slots>>,
    /// `EDGEZERO__CONFIG__VERSION_CHECK_MS`: how long a loaded config is used without
    /// reading `config.version` (zero: never).
    check_every: Result<Duration, String>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache::new(Ok(Duration::ZERO))
    }
}

/// One slot per config type. An app reads a few, so a list: unlike a `HashMap`, it needs no
/// random seed (a host call on `wasm32`) when a component instance creates it.
#[derive(Default)]
struct Slots(Vec<(TypeId, Slot)>);

impl Slots {
    fn get(&self, id: &TypeId) -> Option<&Slot> {
        self.0.iter().find(|(t, _)| t == id).map(|(_, slot)| slot)
    }

    fn get_mut(&mut self, id: &TypeId) -> Option<&mut Slot> {
        self.0
            .iter_mut()
            .find(|(t, _)| t == id)
            .map(|(_, slot)| slot)
    }

    fn insert(&mut self, id: TypeId, slot: Slot) {
        match self.get_mut(&id) {
            Some(old) => *old = slot,
            None => self.0.push((id, slot)),
        }
    }
}

struct Slot {
    version: Option<String>,
    state: Result<Arc<dyn Any + Send + Sync>, (String, Instant)>,
    /// When `version` was last read and found current.
    checked: Instant,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    pub fn new(check_every: Result<Duration, String>) -> Self {
        Cache {
            slots: Arc::default(),
            check_every,
        }
    }

    /// The interval setting, or its error.
    pub fn check_every(&self) -> Result<Duration, &str> {
        self.check_every.as_ref().copied().map_err(String::as_str)
    }

    /// The cached `C` when it was loaded, or its version confirmed, less than the check
    /// interval ago: it is used without reading `config.version`.
    pub fn fresh<C: ConfigSchema>(&self) -> Option<Arc<C>> {
        let every = self.check_every.as_ref().ok().copied()?;
        if every.is_zero() {
            return None;
        }
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = slots.get(&TypeId::of::<C>())?;
        match &slot.state {
            Ok(value) if slot.checked.elapsed() < every => Arc::clone(value).downcast::<C>().ok(),
            _ => None,
        }
    }

    /// The cached `C` (or the cached failure) for `version`, if it is still valid.
    pub fn lookup<C: ConfigSchema>(
        &self,
        version: &Option<String>,
    ) -> Option<Result<Arc<C>, String>> {
        self.lookup_at(version, Instant::now(), RETRY_AFTER_FAILURE)
    }

    fn lookup_at<C: ConfigSchema>(
        &self,
        version: &Option<String>,
        now: Instant,
        retry: Duration,
    ) -> Option<Result<Arc<C>, String>> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = slots.get_mut(&TypeId::of::<C>())?;
        if slot.version != *version {
            return None;
        }
        slot.checked = now;
        match &slot.state {
            Ok(value) => Arc::clone(value).downcast::<C>().ok().map(Ok),
            Err((message, at)) if now.duration_since(*at) < retry => Some(Err(message.clone())),
            Err(_) => None,
        }
    }

    /// Remembers the outcome of a load for `version`.
    pub fn store<C: ConfigSchema>(&self, version: Option<String>, outcome: Result<Arc<C>, String>) {
        let state = match outcome {
            Ok(value) => Ok(value as Arc<dyn Any + Send + Sync>),
            Err(message) => Err((message, Instant::now())),
        };
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                TypeId::of::<C>(),
                Slot {
                    version,
                    state,
                    checked: Instant::now(),
                },
            );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T;

    impl ConfigSchema for T {
        const OWN_SECRETS: &'static [&'static str] = &[];
        fn collect_secret_fields(_: &str, _: &mut Vec<SecretField>) {}
    }

    #[test]
    fn cache_follows_the_version_and_retries_failures_later() {
        let cache = Cache::default();
        let v1 = Some("1".to_string());
        assert!(cache.lookup::<T>(&v1).is_none());
        cache.store::<T>(v1.clone(), Ok(Arc::new(T)));
        assert!(matches!(cache.lookup::<T>(&v1), Some(Ok(_))));
        assert!(cache.lookup::<T>(&None).is_none(), "a new version reloads");
        cache.store::<T>(None, Err("config entry `a` is missing".into()));
        let later = Instant::now() + Duration::from_secs(60);
        assert!(matches!(cache.lookup::<T>(&None), Some(Err(m)) if m.contains("`a`")));
        assert!(cache
            .lookup_at::<T>(&None, later, RETRY_AFTER_FAILURE)
            .is_none());
    }
}
