//! Config stores: read-only string values by key.

use std::rc::Rc;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use super::validate;

/// Everything that can go wrong with a config store.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The key broke an input rule. HTTP 400.
    #[error("invalid config request: {0}")]
    Validation(String),
    /// The stored value is not what the caller asked for. HTTP 500.
    #[error("config value `{key}` is invalid: {reason}")]
    InvalidValue {
        /// The key.
        key: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The store could not be opened or reached. HTTP 503; `reason` is logged.
    #[error("config store `{store}` is unavailable: {reason}")]
    Unavailable {
        /// The logical store id.
        store: String,
        /// What went wrong and how to fix it.
        reason: String,
    },
    /// A handler asked for an id that `[stores.config]` does not declare. HTTP 500.
    #[error("no config store `{0}` is declared; add it to [stores.config].ids in edgezero.toml")]
    UnknownStore(String),
    /// Any other backend failure. HTTP 500.
    #[error("config backend error: {0}")]
    Internal(String),
}

/// A config backend. Keys are read verbatim (`service.timeout_ms` stays dotted).
#[async_trait(?Send)]
pub trait ConfigStore {
    /// The value under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<String>, ConfigError>;

    /// Every entry, in any order. Used to read a typed config ([`crate::AppConfig`]) once
    /// per process or instance, never per request.
    async fn entries(&self) -> Result<Vec<(String, String)>, ConfigError>;
}

/// A config store opened for one logical id.
#[derive(Clone)]
pub struct ConfigHandle {
    id: Arc<str>,
    store: Rc<dyn ConfigStore>,
}

impl ConfigHandle {
    /// Wraps a backend opened for the logical id `id`.
    pub fn new(id: impl Into<Arc<str>>, store: Rc<dyn ConfigStore>) -> Self {
        ConfigHandle {
            id: id.into(),
            store,
        }
    }

    /// The logical store id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The value under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<String>, ConfigError> {
        validate::key(key).map_err(|rule| ConfigError::Validation(rule.to_string()))?;
        self.store.get(key).await
    }

    /// Every entry, sorted by key.
    pub async fn entries(&self) -> Result<Vec<(String, String)>, ConfigError> {
        let mut entries = self.store.entries().await?;
        entries.sort();
        Ok(entries)
    }

    /// The value under `key` parsed with [`FromStr`] (e.g. a number of milliseconds).
    pub async fn get_parsed<T>(&self, key: &str) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.get(key).await? {
            Some(raw) => {
                raw.trim()
                    .parse()
                    .map(Some)
                    .map_err(|e: T::Err| ConfigError::InvalidValue {
                        key: key.to_string(),
                        reason: e.to_string(),
                    })
            }
            None => Ok(None),
        }
    }

    /// The value under `key` deserialised from JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ConfigError> {
        match self.get(key).await? {
            Some(raw) => {
                serde_json::from_str(&raw)
                    .map(Some)
                    .map_err(|e| ConfigError::InvalidValue {
                        key: key.to_string(),
                        reason: e.to_string(),
                    })
            }
            None => Ok(None),
        }
    }
}

impl std::fmt::Debug for ConfigHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
