//! The typed configs of an app ([`crate::AppConfig`]), cached per type for as long as the
//! store bindings that read them: once per process or component instance.

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::timer::now;

use crate::env::EnvError;

/// The typed configs of one app, kept as long as its store bindings (once per process or
/// component instance), one slot per config type.
#[derive(Clone)]
pub(crate) struct TypedConfigCache {
    slots: Arc<Mutex<Slots>>,
    /// `EDGEZERO__CONFIG__VERSION_CHECK_MS`: how long a loaded config is used without
    /// reading `config.version` (zero: never).
    check_every: Result<Duration, EnvError>,
}

impl Default for TypedConfigCache {
    fn default() -> Self {
        TypedConfigCache::new(Ok(Duration::ZERO))
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
    state: Result<Arc<dyn Any + Send + Sync>, (String, Duration)>,
    /// When `version` was last read and found current ([`now`]).
    checked: Duration,
}

impl std::fmt::Debug for TypedConfigCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedConfigCache").finish_non_exhaustive()
    }
}

impl TypedConfigCache {
    pub fn new(check_every: Result<Duration, EnvError>) -> Self {
        TypedConfigCache {
            slots: Arc::default(),
            check_every,
        }
    }

    /// The interval setting, or its error.
    pub fn check_every(&self) -> Result<Duration, &EnvError> {
        self.check_every.as_ref().copied()
    }

    /// The cached `C` when it was loaded, or its version confirmed, less than the check
    /// interval ago: it is used without reading `config.version`.
    pub fn fresh<C: Send + Sync + 'static>(&self) -> Option<Arc<C>> {
        let every = self.check_every.as_ref().ok().copied()?;
        if every.is_zero() {
            return None;
        }
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = slots.get(&TypeId::of::<C>())?;
        match &slot.state {
            Ok(value) if now().saturating_sub(slot.checked) < every => {
                Arc::clone(value).downcast::<C>().ok()
            }
            _ => None,
        }
    }

    /// The cached `C` for `version`, or its cached failure if that is younger than
    /// `retry`.
    pub fn lookup<C: Send + Sync + 'static>(
        &self,
        version: &Option<String>,
        retry: Duration,
    ) -> Option<Result<Arc<C>, String>> {
        self.lookup_at(version, now(), retry)
    }

    fn lookup_at<C: Send + Sync + 'static>(
        &self,
        version: &Option<String>,
        now: Duration,
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
            Err((message, at)) if now.saturating_sub(*at) < retry => Some(Err(message.clone())),
            Err(_) => None,
        }
    }

    /// Remembers the outcome of a load for `version`.
    pub fn store<C: Send + Sync + 'static>(
        &self,
        version: Option<String>,
        outcome: Result<Arc<C>, String>,
    ) {
        let state = match outcome {
            Ok(value) => Ok(value as Arc<dyn Any + Send + Sync>),
            Err(message) => Err((message, now())),
        };
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                TypeId::of::<C>(),
                Slot {
                    version,
                    state,
                    checked: now(),
                },
            );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct T;

    const RETRY: Duration = Duration::from_secs(5);

    #[test]
    fn cache_follows_the_version_and_retries_failures_later() {
        let cache = TypedConfigCache::default();
        let v1 = Some("1".to_string());
        assert!(cache.lookup::<T>(&v1, RETRY).is_none());
        cache.store::<T>(v1.clone(), Ok(Arc::new(T)));
        assert!(matches!(cache.lookup::<T>(&v1, RETRY), Some(Ok(_))));
        assert!(
            cache.lookup::<T>(&None, RETRY).is_none(),
            "a new version reloads"
        );
        cache.store::<T>(None, Err("config entry `a` is missing".into()));
        let later = now() + Duration::from_secs(60);
        assert!(matches!(cache.lookup::<T>(&None, RETRY), Some(Err(m)) if m.contains("`a`")));
        assert!(cache.lookup_at::<T>(&None, later, RETRY).is_none());
    }
}
