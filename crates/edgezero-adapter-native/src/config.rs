//! Config stores: one KV label per config id, read verbatim, as on Spin.

use std::sync::Arc;

use async_trait::async_trait;
use edgezero_core::store::config::{ConfigError, ConfigStore};

use crate::db::Database;
use crate::error::config_error;

/// A config store over the rows of one label in the SQLite file.
pub struct SqliteConfig {
    id: String,
    label: String,
    db: Arc<Database>,
}

impl SqliteConfig {
    /// The store for logical `id`, reading rows of `label`.
    pub fn new(id: &str, label: &str, db: Arc<Database>) -> Self {
        SqliteConfig {
            id: id.to_string(),
            label: label.to_string(),
            db,
        }
    }
}

#[async_trait(?Send)]
impl ConfigStore for SqliteConfig {
    async fn get(&self, key: &str) -> Result<Option<String>, ConfigError> {
        let (label, owned) = (self.label.clone(), key.to_string());
        let value = match self
            .db
            .run(move |c| edgezero_spin_sqlite::get(c, &label, &owned))
            .await
        {
            Ok(r) => r.map_err(|e| config_error(&self.id, e))?,
            Err(join) => return Err(ConfigError::Internal(join.to_string())),
        };
        value
            .map(|bytes| {
                String::from_utf8(bytes).map_err(|_| ConfigError::InvalidValue {
                    key: key.to_string(),
                    reason: "the stored value is not UTF-8 text".into(),
                })
            })
            .transpose()
    }

    async fn entries(&self) -> Result<Vec<(String, String)>, ConfigError> {
        let label = self.label.clone();
        let rows = self
            .db
            .run(move |c| {
                let keys = edgezero_spin_sqlite::keys(c, &label)?;
                let mut rows = Vec::with_capacity(keys.len());
                for key in keys {
                    if let Some(value) = edgezero_spin_sqlite::get(c, &label, &key)? {
                        rows.push((key, value));
                    }
                }
                Ok(rows)
            })
            .await;
        let rows = match rows {
            Ok(r) => r.map_err(|e| config_error(&self.id, e))?,
            Err(join) => return Err(ConfigError::Internal(join.to_string())),
        };
        rows.into_iter()
            .map(|(key, bytes)| match String::from_utf8(bytes) {
                Ok(value) => Ok((key, value)),
                Err(_) => Err(ConfigError::InvalidValue {
                    key,
                    reason: "the stored value is not UTF-8 text".into(),
                }),
            })
            .collect()
    }
}
