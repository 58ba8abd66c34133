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

/// Why a key-value operation failed. [`crate::bindings`] and [`crate::wasi_kv`] each turn it
/// into their interface's `error` in one function; the text of `Unavailable` and `Other` is
/// what the guest receives in `other`, exactly as under `spin up`.
///
/// There is no "no such store": Spin answers `access-denied` for a label the component does
/// not list, and every listed label has a backend, or the host does not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KvError {
    /// The component's `key_value_stores` does not list the label.
    #[error("access denied")]
    AccessDenied,
    /// The backend cannot be reached or opened (Redis down, the SQLite file or its blocking
    /// task); the client's text.
    #[error("{0}")]
    Unavailable(String),
    /// Any other failure (a SQLite statement, a Redis reply, a Redis URL); its text.
    #[error("{0}")]
    Other(String),
}

/// Where a label's data lives.
#[derive(Clone)]
pub enum Backend {
    /// Spin's SQLite table.
    Sqlite(Arc<SqliteDb>),
    /// A Redis server.
    Redis(Arc<RedisDb>),
}

impl Backend {
    /// What opening a label does besides the access check: Redis connects if it never has
    /// (Spin's Redis store connects when a label is first opened, and fails the open when it
    /// cannot); SQLite has nothing to do.
    pub async fn open(&self) -> Result<(), KvError> {
        match self {
            Backend::Sqlite(_) => Ok(()),
            Backend::Redis(db) => db.connect().await,
        }
    }

    /// Reads a value.
    pub async fn get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        match self {
            Backend::Sqlite(db) => db.get(label, key).await,
            Backend::Redis(db) => db.get(key).await,
        }
    }

    /// Writes a value.
    pub async fn set(&self, label: &str, key: &str, value: Vec<u8>) -> Result<(), KvError> {
        match self {
            Backend::Sqlite(db) => db.set(label, key, value).await,
            Backend::Redis(db) => db.set(key, value).await,
        }
    }

    /// Deletes a key (no error when absent).
    pub async fn delete(&self, label: &str, key: &str) -> Result<(), KvError> {
        match self {
            Backend::Sqlite(db) => db.delete(label, key).await,
            Backend::Redis(db) => db.delete(key).await,
        }
    }

    /// Whether a key exists.
    pub async fn exists(&self, label: &str, key: &str) -> Result<bool, KvError> {
        match self {
            Backend::Sqlite(db) => db.exists(label, key).await,
            Backend::Redis(db) => db.exists(key).await,
        }
    }

    /// Every key of the label.
    pub async fn keys(&self, label: &str) -> Result<Vec<String>, KvError> {
        match self {
            Backend::Sqlite(db) => db.keys(label).await,
            Backend::Redis(db) => db.keys().await,
        }
    }

    /// Adds `delta` to a counter (missing = 0) and returns the new value.
    pub async fn increment(&self, label: &str, key: &str, delta: i64) -> Result<i64, KvError> {
        match self {
            Backend::Sqlite(db) => db.increment(label, key, delta).await,
            Backend::Redis(db) => db.increment(key, delta).await,
        }
    }

    /// The keys that exist among `keys`, with their values.
    pub async fn get_many(
        &self,
        label: &str,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Vec<u8>)>, KvError> {
        match self {
            Backend::Sqlite(db) => db.get_many(label, keys).await,
            Backend::Redis(db) => db.get_many(keys).await,
        }
    }

    /// Writes every entry (one transaction in SQLite, `MSET` in Redis).
    pub async fn set_many(
        &self,
        label: &str,
        entries: Vec<(String, Vec<u8>)>,
    ) -> Result<(), KvError> {
        match self {
            Backend::Sqlite(db) => db.set_many(label, entries).await,
            Backend::Redis(db) => db.set_many(entries).await,
        }
    }

    /// Deletes every key.
    pub async fn delete_many(&self, label: &str, keys: Vec<String>) -> Result<(), KvError> {
        match self {
            Backend::Sqlite(db) => db.delete_many(label, keys).await,
            Backend::Redis(db) => db.delete_many(keys).await,
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
#[derive(Clone)]
pub struct StoreHandle {
    /// The label as opened (the `store` column in SQLite).
    pub label: String,
    /// Its backend.
    pub backend: Backend,
}

/// An open `wasi:keyvalue` bucket: the same label and backend as a `spin:key-value` store.
pub type BucketHandle = StoreHandle;

/// A compare-and-swap in progress (`wasi:keyvalue/atomics.cas`): what `current` read, and,
/// for Redis, the connection that watches the key.
pub struct CasHandle {
    /// The label and backend.
    pub store: StoreHandle,
    /// The key.
    pub key: String,
    /// The value `current` read: `None` until it is called, `Some(None)` for an absent key.
    pub read: Option<Option<Vec<u8>>>,
    /// Redis: the connection holding the `WATCH` (dropped with the handle when no swap
    /// follows, so no pooled connection ever watches a key).
    pub redis: Option<::redis::aio::MultiplexedConnection>,
}

impl CasHandle {
    /// `cas.current`: reads the value (Redis: after `WATCH`) and remembers it.
    pub async fn current(&mut self) -> Result<Option<Vec<u8>>, KvError> {
        let value = match &self.store.backend {
            Backend::Sqlite(db) => db.get(&self.store.label, &self.key).await?,
            Backend::Redis(db) => {
                let (conn, value) = db.cas_read(self.redis.take(), &self.key).await?;
                self.redis = Some(conn);
                value
            }
        };
        self.read = Some(value.clone());
        Ok(value)
    }

    /// `atomics.swap`: writes `value` if the key is unchanged since [`CasHandle::current`]
    /// (SQLite: the row still holds the value read; Redis: the `WATCH` did not fire).
    /// Without a read, or after reading an absent key, the write is unconditional, as
    /// under Spin. `false` when the swap lost.
    pub async fn swap(mut self, value: Vec<u8>) -> Result<bool, KvError> {
        match &self.store.backend {
            Backend::Sqlite(db) => {
                let read = self.read.take().flatten();
                db.swap(&self.store.label, &self.key, read, value).await
            }
            Backend::Redis(db) => {
                let conn = match self.redis.take() {
                    Some(c) => c,
                    None => db.cas().await?,
                };
                db.cas_write(conn, &self.key, value).await
            }
        }
    }
}

/// Opens a backend for every label the given components use. A label without a backend is
/// the startup error `spin up` gives, plus the stanza that fixes it.
pub fn open_backends<'a>(
    manifest: &Manifest,
    runtime_config: &RuntimeConfig,
    default_file: &Path,
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
                    path: Some(default_file.to_path_buf()),
                },
                None => bail!(unknown_label(manifest, runtime_config, id, label, *line)),
            };
            let backend = match config {
                StoreConfig::Sqlite { path: Some(path) } => {
                    let path = std::path::absolute(&path).unwrap_or(path);
                    let db = match files.get(&path) {
                        Some(db) => Arc::clone(db),
                        None => {
                            let db = Arc::new(SqliteDb::open(Some(&path)).with_context(|| {
                                format!("cannot open key-value label \"{label}\" of component \"{id}\"")
                            })?);
                            files.insert(path, Arc::clone(&db));
                            db
                        }
                    };
                    Backend::Sqlite(db)
                }
                StoreConfig::Sqlite { path: None } => {
                    Backend::Sqlite(Arc::new(SqliteDb::open(None)?))
                }
                StoreConfig::Redis { url } => {
                    Backend::Redis(Arc::new(RedisDb::new(&url)?))
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

/// The `default` store when no component lists it (for `--key-value`).
pub fn open_default(
    runtime_config: &RuntimeConfig,
    default_file: &Path,
) -> anyhow::Result<Backend> {
    let config = runtime_config
        .key_value_stores
        .get("default")
        .cloned()
        .unwrap_or(StoreConfig::Sqlite {
            path: Some(default_file.to_path_buf()),
        });
    Ok(match config {
        StoreConfig::Sqlite { path } => Backend::Sqlite(Arc::new(SqliteDb::open(path.as_deref())?)),
        StoreConfig::Redis { url } => Backend::Redis(Arc::new(RedisDb::new(&url)?)),
        StoreConfig::Cloud { kind } => {
            bail!("the default store is `{kind}`, which the embedded host cannot open")
        }
    })
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
