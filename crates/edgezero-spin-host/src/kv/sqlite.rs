//! Spin's SQLite key-value store, through the exact statements of `edgezero-spin-sqlite`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::KvError;

/// One SQLite database (a file, or in memory), shared by every label stored in it.
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
    /// The file, or `None` in memory.
    pub path: Option<PathBuf>,
}

impl SqliteDb {
    /// Opens (creating the file, its directory and Spin's table when needed).
    pub fn open(path: Option<&Path>) -> Result<SqliteDb, KvError> {
        let conn = match path {
            Some(p) => edgezero_spin_sqlite::open(p),
            None => edgezero_spin_sqlite::open_in_memory(),
        }
        .map_err(|e| KvError::Unavailable(e.to_string()))?;
        Ok(SqliteDb {
            conn: Arc::new(Mutex::new(conn)),
            path: path.map(Path::to_path_buf),
        })
    }

    /// Runs `f` on the connection as `spin up` does: on this thread, with the runtime told
    /// that it blocks (`block_in_place`), so other requests move to other threads while
    /// SQLite waits (e.g. for another process's write lock). Off a multi-threaded runtime it
    /// runs on the blocking pool instead.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, edgezero_spin_sqlite::SqliteKvError>
            + Send
            + 'static,
    ) -> Result<R, KvError> {
        let conn = Arc::clone(&self.conn);
        let work = move || {
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut conn).map_err(|e| KvError::Other(e.to_string()))
        };
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(work)
        } else {
            tokio::task::spawn_blocking(work)
                .await
                .map_err(|e| KvError::Unavailable(format!("key-value task failed: {e}")))?
        }
    }

    /// `SELECT value ...`
    pub async fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let (store, key) = (store.to_string(), key.to_string());
        self.run(move |c| edgezero_spin_sqlite::get(c, &store, &key))
            .await
    }

    /// Spin's upsert.
    pub async fn set(&self, store: &str, key: &str, value: Vec<u8>) -> Result<(), KvError> {
        let (store, key) = (store.to_string(), key.to_string());
        self.run(move |c| edgezero_spin_sqlite::set(c, &store, &key, &value))
            .await
    }

    /// `DELETE ...`
    pub async fn delete(&self, store: &str, key: &str) -> Result<(), KvError> {
        let (store, key) = (store.to_string(), key.to_string());
        self.run(move |c| edgezero_spin_sqlite::delete(c, &store, &key))
            .await
    }

    /// Whether a row exists (Spin reads the value).
    pub async fn exists(&self, store: &str, key: &str) -> Result<bool, KvError> {
        Ok(self.get(store, key).await?.is_some())
    }

    /// `SELECT key ...` (no order).
    pub async fn keys(&self, store: &str) -> Result<Vec<String>, KvError> {
        let store = store.to_string();
        self.run(move |c| edgezero_spin_sqlite::keys(c, &store))
            .await
    }

    /// `wasi:keyvalue/atomics.increment`: one immediate transaction over Spin's row.
    /// Spin's own host panics on a row that is not 8 bytes; this answers an error instead.
    pub async fn increment(&self, store: &str, key: &str, delta: i64) -> Result<i64, KvError> {
        use edgezero_spin_sqlite::atomics::{self, IncrementRefused};
        let (store, key) = (store.to_string(), key.to_string());
        let k = key.clone();
        match self
            .run(move |c| atomics::increment(c, &store, &key, delta))
            .await?
        {
            Ok(n) => Ok(n),
            Err(IncrementRefused::NotACounter { len }) => Err(KvError::Other(format!(
                "key {k:?} holds {len} bytes, not an 8-byte counter"
            ))),
            Err(IncrementRefused::Overflow { current }) => Err(KvError::Other(format!(
                "incrementing key {k:?} ({current}) by {delta} overflows a 64-bit counter"
            ))),
        }
    }

    /// The write of a compare-and-swap: only if the row still holds `read` (upsert when
    /// nothing was read), as Spin's SQLite store does.
    pub async fn swap(
        &self,
        store: &str,
        key: &str,
        read: Option<Vec<u8>>,
        new: Vec<u8>,
    ) -> Result<bool, KvError> {
        let (store, key) = (store.to_string(), key.to_string());
        self.run(move |c| {
            edgezero_spin_sqlite::atomics::swap(c, &store, &key, read.as_deref(), &new)
        })
        .await
    }

    /// `wasi:keyvalue/batch.get-many`: the keys that exist, with their values.
    pub async fn get_many(
        &self,
        store: &str,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Vec<u8>)>, KvError> {
        let store = store.to_string();
        self.run(move |c| edgezero_spin_sqlite::atomics::get_many(c, &store, &keys))
            .await
    }

    /// `wasi:keyvalue/batch.set-many`, in one transaction.
    pub async fn set_many(
        &self,
        store: &str,
        entries: Vec<(String, Vec<u8>)>,
    ) -> Result<(), KvError> {
        let store = store.to_string();
        self.run(move |c| {
            edgezero_spin_sqlite::set_many(
                c,
                &store,
                entries.iter().map(|(k, v)| (k.as_str(), v.as_slice())),
            )
            .map(drop)
        })
        .await
    }

    /// `wasi:keyvalue/batch.delete-many`, in one transaction.
    pub async fn delete_many(&self, store: &str, keys: Vec<String>) -> Result<(), KvError> {
        let store = store.to_string();
        self.run(move |c| edgezero_spin_sqlite::atomics::delete_many(c, &store, &keys))
            .await
    }
}
