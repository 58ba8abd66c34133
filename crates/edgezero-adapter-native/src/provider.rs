//! The store provider: KV and config stores on the shared SQLite file, secrets from the
//! environment.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use async_trait::async_trait;
use edgezero_core::store::config::{ConfigError, ConfigStore};
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::secrets::{SecretError, SecretStore};
use edgezero_core::store::{StoreBinding, StoreProvider};

use crate::db::Database;
use crate::{config, kv, secrets};

/// Opens stores on the shared SQLite file and the environment.
#[derive(Clone, Debug)]
pub struct NativeProvider {
    db: Arc<Database>,
}

impl NativeProvider {
    /// A provider over the SQLite file at `path` (opened on first use). Writes are
    /// group-committed unless `EDGEZERO__KV__GROUP_COMMIT` is `off` (an unreadable value is
    /// logged and leaves it on).
    pub fn new(path: PathBuf) -> Self {
        let group_commit = edgezero_env::resolve_group_commit(&edgezero_env::process_env)
            .unwrap_or_else(|e| {
                log::warn!("{e}; group commit stays on");
                true
            });
        NativeProvider {
            db: Arc::new(Database::new(path, group_commit)),
        }
    }
}

#[async_trait(?Send)]
impl StoreProvider for NativeProvider {
    async fn open_kv(&self, binding: &StoreBinding) -> Result<Rc<dyn KvStore>, KvError> {
        Ok(Rc::new(kv::SqliteKv::new(
            &binding.id,
            &binding.name,
            Arc::clone(&self.db),
        )))
    }

    async fn open_config(
        &self,
        binding: &StoreBinding,
    ) -> Result<Rc<dyn ConfigStore>, ConfigError> {
        Ok(Rc::new(config::SqliteConfig::new(
            &binding.id,
            &binding.name,
            Arc::clone(&self.db),
        )))
    }

    async fn open_secrets(
        &self,
        _binding: &StoreBinding,
    ) -> Result<Rc<dyn SecretStore>, SecretError> {
        Ok(Rc::new(secrets::EnvSecrets))
    }
}
