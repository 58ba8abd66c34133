//! Key-value labels and their backends, resolved as `spin up` resolves them: a
//! `[key_value_store.<label>]` stanza of runtime-config.toml, or, for `default` only, Spin's
//! SQLite file `.spin/sqlite_key_value.db` next to spin.toml.

mod redis;
mod sqlite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};

use edgezero_spin_manifest::Manifest;
use edgezero_spin_manifest::{RuntimeConfig, StoreConfig};

pub use self::redis::RedisDb;
pub use self::sqlite::SqliteDb;

/// Where a label's data lives.
#[derive(Clone)]
pub enum Backend {
    /// Spin's SQLite table.
    Sqlite(Arc<SqliteDb>),
    /// A Redis server.
    Redis(Arc<RedisDb>),
}

impl Backend {
    /// Reads a value.
    pub async fn get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Backend::Sqlite(db) => db.get(label, key).await,
            Backend::Redis(db) => db.get(key).await,
        }
    }

    /// Writes a value.
    pub async fn set(&self, label: &str, key: &str, value: Vec<u8>) -> Result<(), String> {
        match self {
            Backend::Sqlite(db) => db.set(label, key, value).await,
            Backend::Redis(db) => db.set(key, value).await,
        }
    }

    /// Deletes a key (no error when absent).
    pub async fn delete(&self, label: &str, key: &str) -> Result<(), String> {
        match self {
            Backend::Sqlite(db) => db.delete(label, key).await,
            Backend::Redis(db) => db.delete(key).await,
        }
    }

    /// Whether a key exists.
    pub async fn exists(&self, label: &str, key: &str) -> Result<bool, String> {
        match self {
            Backend::Sqlite(db) => db.exists(label, key).await,
            Backend::Redis(db) => db.exists(key).await,
        }
    }

    /// Every key of the label.
    pub async fn keys(&self, label: &str) -> Result<Vec<String>, String> {
        match self {
            Backend::Sqlite(db) => db.keys(label).await,
            Backend::Redis(db) => db.keys().await,
        }
    }

    /// Where the data is, for the startup summary.
    pub fn describe(&self) -> String {
        match self {
            Backend::Sqlite(db) => match &db.path {
                Some(p) => format!("SQLite {}", p.display()),
                None => "SQLite in memory".to_string(),
            },
            Backend::Redis(db) => format!("Redis {}", edgezero_spin_manifest::redact_url(&db.url)),
        }
    }
}

/// An open store: the resource behind `spin:key-value/key-value.store`.
pub struct StoreHandle {
    /// The label as opened (the `store` column in SQLite).
    pub label: String,
    /// Its backend.
    pub backend: Backend,
}

/// Opens a backend for every label the given components use. A label without a backend is
/// the startup error `spin up` gives, plus the stanza that fixes it.
pub fn open_backends<'a>(
    manifest: &Manifest,
    runtime_config: &RuntimeConfig,
    component_ids: impl IntoIterator<Item = &'a str>,
) -> anyhow::Result<BTreeMap<String, Backend>> {
    let mut backends: BTreeMap<String, Backend> = BTreeMap::new();
    let mut files: BTreeMap<PathBuf, Arc<SqliteDb>> = BTreeMap::new();
    for id in component_ids {
        let component = &manifest.components[id];
        for (label, line) in &component.key_value_stores {
            if backends.contains_key(label) {
                continue;
            }
            let config = match runtime_config.key_value_stores.get(label) {
                Some(c) => c.clone(),
                None if label == "default" => StoreConfig::Sqlite {
                    path: Some(edgezero_spin_manifest::default_kv_file(&manifest.dir)),
                },
                None => bail!(unknown_label(manifest, runtime_config, id, label, *line)),
            };
            let backend = match config {
                StoreConfig::Sqlite { path: Some(path) } => {
                    let path = std::path::absolute(&path).unwrap_or(path);
                    let db = match files.get(&path) {
                        Some(db) => Arc::clone(db),
                        None => {
                            let db = Arc::new(SqliteDb::open(Some(&path)).map_err(anyhow::Error::msg).with_context(|| {
                                format!("cannot open key-value label \"{label}\" of component \"{id}\"")
                            })?);
                            files.insert(path, Arc::clone(&db));
                            db
                        }
                    };
                    Backend::Sqlite(db)
                }
                StoreConfig::Sqlite { path: None } => {
                    Backend::Sqlite(Arc::new(SqliteDb::open(None).map_err(anyhow::Error::msg)?))
                }
                StoreConfig::Redis { url } => {
                    Backend::Redis(Arc::new(RedisDb::new(&url).map_err(anyhow::Error::msg)?))
                }
                StoreConfig::Cloud { kind } => bail!(
                    "key-value label \"{label}\" is served by `{kind}`, which `spin up` supports and the embedded host does not; use type = \"spin\" or \"redis\" locally"
                ),
            };
            backends.insert(label.clone(), backend);
        }
    }
    Ok(backends)
}

fn unknown_label(
    manifest: &Manifest,
    runtime_config: &RuntimeConfig,
    component: &str,
    label: &str,
    line: usize,
) -> String {
    let target = match &runtime_config.path {
        Some(p) => format!("to {}", p.display()),
        None => format!(
            "to a runtime-config.toml (e.g. next to {}) and pass it with --runtime-config",
            display_name(&manifest.path)
        ),
    };
    format!(
        "unknown key_value_stores label \"{label}\" for component \"{component}\" ({}:{line}).\n\
         Only `default` exists without configuration. Add this stanza {target}:\n\n\
         {}   # path relative to runtime-config.toml; omit it for an in-memory store\n",
        manifest.path.display(),
        edgezero_spin_manifest::stanza_for(label)
    )
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}
