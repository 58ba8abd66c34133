//! Spin's SQLite key-value store, through the exact statements of `edgezero-spin-sqlite`.
//!
//! Writes are group-committed (`edgezero_spin_sqlite::group`): the writes of concurrent
//! requests that arrive while a transaction commits share the next one, so one flush
//! acknowledges many of them, and each is answered only once its transaction is on disk.
//! `EDGEZERO__KV__GROUP_COMMIT=off` commits each write alone (to measure the difference).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use edgezero_spin_sqlite::group::{self, WriteQueue};
use edgezero_spin_sqlite::SqliteKvError;
use rusqlite::Connection;

use super::KvError;

/// One SQLite database (a file, or in memory), shared by every label stored in it.
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
    /// Writes waiting for the next transaction; `None` when each write commits alone.
    queue: Option<Arc<WriteQueue>>,
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
        let grouped = edgezero_env::resolve_group_commit(&edgezero_env::process_env)
            .map_err(|e| KvError::Unavailable(e.to_string()))?;
        Ok(SqliteDb {
            conn: Arc::new(Mutex::new(conn)),
            queue: grouped.then(|| Arc::new(WriteQueue::new())),
            path: path.map(Path::to_path_buf),
        })
    }

    /// Runs the read `f` on the connection (see [`blocking`]).
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, SqliteKvError> + Send + 'static,
    ) -> Result<R, KvError> {
        let conn = Arc::clone(&self.conn);
        blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut conn).map_err(|e| KvError::Other(e.to_string()))
        })
        .await
    }

    /// Runs the write `f` inside a transaction: group-committed with the writes of other
    /// requests, or alone when group commit is off. Answers once the transaction committed.
    async fn write<R: Send + 'static>(
        &self,
        f: impl FnMut(&Connection) -> Result<R, SqliteKvError> + Send + 'static,
    ) -> Result<R, KvError> {
        let conn = Arc::clone(&self.conn);
        let queue = self.queue.clone();
        blocking(move || {
            match &queue {
                Some(queue) => group::write(queue, &conn, |c, _| Ok(c), f),
                None => {
                    let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    group::in_transaction(&mut conn, f)
                }
            }
            .map_err(|e| KvError::Other(e.to_string()))
        })
        .await
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
        self.write(move |c| edgezero_spin_sqlite::set(c, &store, &key, &value))
            .await
    }

    /// `DELETE ...`
    pub async fn delete(&self, store: &str, key: &str) -> Result<(), KvError> {
        let (store, key) = (store.to_string(), key.to_string());
        self.write(move |c| edgezero_spin_sqlite::delete(c, &store, &key))
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
            .write(move |c| atomics::increment_in(c, &store, &key, delta))
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
        self.write(move |c| {
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
        self.write(move |c| {
            edgezero_spin_sqlite::set_many_in(
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
        self.write(move |c| edgezero_spin_sqlite::atomics::delete_many_in(c, &store, &keys))
            .await
    }
}

/// Runs `work`, which blocks, as `spin up` runs SQLite calls: on this thread, with the
/// runtime told that it blocks (`block_in_place`), so other requests move to other threads
/// while SQLite waits (for the disk, or another process's write lock). Off a multi-threaded
/// runtime it runs on the blocking pool instead.
async fn blocking<R: Send + 'static>(
    work: impl FnOnce() -> Result<R, KvError> + Send + 'static,
) -> Result<R, KvError> {
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
