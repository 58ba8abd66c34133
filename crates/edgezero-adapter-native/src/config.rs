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
            Err(join) => return Err(ConfigError::Internal(join)),
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
}
