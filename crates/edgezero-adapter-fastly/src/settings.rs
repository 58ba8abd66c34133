//! `EDGEZERO__*` settings: entries of the Config Store `edgezero_settings`, read once per
//! request (a Fastly instance serves one request).

use std::cell::RefCell;

use edgezero_fastly_names::SETTINGS_STORE;
use fastly::ConfigStore;

/// The settings store of this request, with every setting it was asked for.
pub struct Settings {
    store: Option<ConfigStore>,
    /// A handful of names per request: a list, not a `HashMap`, whose random keys would
    /// cost every request (a fresh instance) a call for random bytes.
    seen: RefCell<Vec<(String, Option<String>)>>,
}

impl Settings {
    /// Opens the settings store; a service without one has every setting at its default.
    pub fn open() -> Settings {
        Settings {
            store: ConfigStore::try_open(SETTINGS_STORE).ok(),
            seen: RefCell::default(),
        }
    }

    /// The value of setting `name`, if set.
    pub fn get(&self, name: &str) -> Option<String> {
        let store = self.store.as_ref()?;
        if let Some((_, v)) = self.seen.borrow().iter().find(|(n, _)| n == name) {
            return v.clone();
        }
        let value = match store.try_get(name) {
            Ok(v) => v,
            Err(e) => {
                log::warn!("setting {name} could not be read from the Config Store `{SETTINGS_STORE}`: {e}");
                None
            }
        };
        self.seen
            .borrow_mut()
            .push((name.to_string(), value.clone()));
        value
    }
}
