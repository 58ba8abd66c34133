//! Spin's SQLite key-value store, through the exact statements of `edgezero-spin-sqlite`.
//!
//! Writes are group-committed (`edgezero_spin_sqlite::group`): the writes of concurrent
//! requests that arrive while a transaction commits share the next one, so one flush
//! acknowledges many of them, and each is answered only once its transaction is on disk.
//! `EDGEZERO__KV__GROUP_COMMIT=off` commits each write alone (to measure the difference).
//!
//! While the host runs, a file is in SQLite's write-ahead-log mode (one flush per commit;
//! see `edgezero_spin_sqlite::serve_with_wal`) and reads go through a connection of their
//! own, so a read never waits for a batch being committed and sees every write acknowledged
//! before it. When the host stops, the file goes back to the rollback journal Spin creates.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use edgezero_spin_sqlite::group::{self, WriteQueue};
use edgezero_spin_sqlite::{file_id, wal_path, FileId, SqliteKvError};
use rusqlite::Connection;

use super::KvError;

/// One SQLite database (a file, or in memory), shared by every label stored in it.
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
    /// The connection reads use, for a file: a second one, so that reads do not wait for
    /// the writer. In memory reads use `conn` (another connection would be another database).
    reader: Option<Arc<Mutex<Connection>>>,
    /// Writes waiting for the next transaction; `None` when each write commits alone.
    queue: Option<Arc<WriteQueue>>,
    /// The write-ahead log's file, when the host turned the log on: to give the file back in
    /// the rollback journal when the host stops.
    wal: Option<Opened>,
    /// The file the connections have open, to notice it deleted or replaced under them.
    file: Option<FileId>,
    /// The file, or `None` in memory.
    pub path: Option<PathBuf>,
}

impl SqliteDb {
    /// Opens (creating the file, its directory and Spin's table when needed). With group
    /// commit, a file is served with SQLite's write-ahead log
    /// ([`edgezero_spin_sqlite::serve_with_wal`]); off, each write is its own transaction in
    /// the rollback journal, as before group commit.
    pub fn open(path: Option<&Path>) -> Result<SqliteDb, KvError> {
        let unavailable = |e: SqliteKvError| KvError::Unavailable(e.to_string());
        let grouped = edgezero_env::resolve_group_commit(&edgezero_env::process_env)
            .map_err(|e| KvError::Unavailable(e.to_string()))?;
        let Some(path) = path else {
            let conn = edgezero_spin_sqlite::open_in_memory().map_err(unavailable)?;
            return Ok(SqliteDb {
                conn: Arc::new(Mutex::new(conn)),
                reader: None,
                queue: grouped.then(|| Arc::new(WriteQueue::new())),
                wal: None,
                file: None,
                path: None,
            });
        };
        let conn = edgezero_spin_sqlite::open(path).map_err(unavailable)?;
        let wal = grouped && edgezero_spin_sqlite::serve_with_wal(&conn).map_err(unavailable)?;
        if grouped && !wal {
            log::warn!(
                "key-value file {}: SQLite's write-ahead log is not available on this file system; writes use the rollback journal",
                path.display()
            );
        }
        let reader = edgezero_spin_sqlite::open(path).inspect_err(|_| {
            if wal {
                let _ = edgezero_spin_sqlite::stop_serving(&conn);
            }
        });
        let reader = reader.map_err(unavailable)?;
        Ok(SqliteDb {
            conn: Arc::new(Mutex::new(conn)),
            reader: Some(Arc::new(Mutex::new(reader))),
            queue: grouped.then(|| Arc::new(WriteQueue::new())),
            // `serve_with_wal` made the log's file: the one to remove if the database is
            // deleted under the host (see `Drop`).
            wal: wal.then(|| Opened(file_id(&wal_path(path)))),
            file: file_id(path),
            path: Some(path.to_path_buf()),
        })
    }

    /// Fails when the file at the path is no longer the one the connections have open: a
    /// write would land in a file nobody reads again (in the write-ahead log's mode SQLite
    /// itself does not notice). Checked before each batch, so a batch that began just
    /// before the file was deleted still commits into the old file.
    fn check_file(path: Option<&Path>, file: Option<FileId>) -> Result<(), SqliteKvError> {
        match path {
            Some(path) if file.is_some() && file_id(path) != file => {
                Err(SqliteKvError::NotCommitted {
                    reason: format!(
                        "the file {} was deleted or replaced while the host runs; restart the host to use the file now at that path",
                        path.display()
                    ),
                })
            }
            _ => Ok(()),
        }
    }

    /// Runs the read `f` on the reading connection (see [`blocking`]).
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, SqliteKvError> + Send + 'static,
    ) -> Result<R, KvError> {
        let conn = Arc::clone(self.reader.as_ref().unwrap_or(&self.conn));
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
        let (path, file) = (self.path.clone(), self.file);
        blocking(move || {
            // Once per batch: one `stat` for many writes.
            let check = || Self::check_file(path.as_deref(), file);
            match &queue {
                Some(queue) => group::write(queue, &conn, |c, _| check().map(|()| c), f),
                None => {
                    let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    check().and_then(|()| group::in_transaction(&mut conn, f))
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

/// The [`FileId`] of a file the host opened (`None` where the platform cannot tell).
struct Opened(Option<FileId>);

impl Drop for SqliteDb {
    /// Gives the file back in Spin's rollback-journal mode once the host is done with it. A
    /// file deleted or replaced meanwhile is left alone, but not the log of the old one: a
    /// log left next to another file would be read as that file's.
    fn drop(&mut self) {
        let (Some(Opened(wal)), Some(path)) = (self.wal.take(), self.path.as_deref()) else {
            return;
        };
        drop(self.reader.take());
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if Self::check_file(Some(path), self.file).is_ok() {
            if let Err(e) = edgezero_spin_sqlite::stop_serving(&conn) {
                log::info!("{e}");
            }
            return;
        }
        if wal.is_some() && file_id(&wal_path(path)) == wal {
            for leftover in [wal_path(path), edgezero_spin_sqlite::shm_path(path)] {
                let _ = std::fs::remove_file(leftover);
            }
        }
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
