//! The shared SQLite file, opened on first use and used from blocking tasks.
//!
//! Writes are group-committed (`edgezero_spin_sqlite::group`): the writes of concurrent
//! requests that arrive while a transaction commits share the next one, so one flush to
//! disk acknowledges many of them; each is answered only once its transaction is durable.
//! `EDGEZERO__KV__GROUP_COMMIT=off` commits each write alone (to measure the difference).
//!
//! The connection is (re)opened inside the blocking task that needs it, so:
//! - a failed open (missing directory, file locked by another process) is retried on the next
//!   call instead of being remembered until restart;
//! - a file deleted or replaced while the server runs is noticed (its device and inode no
//!   longer match, or SQLite reports `SQLITE_READONLY_DBMOVED`) and reopened, so writes land
//!   in the file now at the path rather than failing with "readonly database".

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use edgezero_spin_sqlite::group::{self, WriteQueue};
use edgezero_spin_sqlite::{file_id, is_moved, FileId, SqliteKvError};
use rusqlite::Connection;

use crate::error::TaskFailed;

/// One SQLite file shared by every worker thread; opened lazily, on the first store access.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    slot: Mutex<Option<Open>>,
    /// Writes waiting for the next transaction; `None` when each write commits alone.
    queue: Option<WriteQueue>,
}

/// An open connection and the identity of the file it was opened on.
#[derive(Debug)]
struct Open {
    conn: Connection,
    file: Option<FileId>,
}

impl Database {
    /// A database at `path` (not opened yet); `group_commit` makes concurrent writes share
    /// transactions (see the module docs).
    pub fn new(path: PathBuf, group_commit: bool) -> Self {
        Database {
            path,
            slot: Mutex::new(None),
            queue: group_commit.then(WriteQueue::new),
        }
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self) -> Result<Open, SqliteKvError> {
        let conn = edgezero_spin_sqlite::open(&self.path)?;
        crate::expiry::enable_expiry(&conn).map_err(|source| SqliteKvError::Open {
            path: self.path.display().to_string(),
            source,
        })?;
        Ok(Open {
            conn,
            file: file_id(&self.path),
        })
    }

    /// The open connection, opening it when there is none or when the file at the path is no
    /// longer the one the connection has open. A failed open leaves the slot empty, so the
    /// next call tries again.
    fn connection<'a>(
        &self,
        slot: &'a mut Option<Open>,
    ) -> Result<&'a mut Connection, SqliteKvError> {
        let open = match slot.take() {
            Some(open) if open.file.is_none() || open.file == file_id(&self.path) => open,
            Some(_) => {
                log::warn!(
                    "key-value file {} was deleted or replaced; reopening it",
                    self.path.display()
                );
                self.open()?
            }
            None => self.open()?,
        };
        Ok(&mut slot.insert(open).conn)
    }

    /// Runs `f` with the connection on tokio's blocking pool, so request threads never block.
    /// When SQLite reports that the file moved, the file is reopened and `f` runs once more.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<Result<T, SqliteKvError>, TaskFailed>
    where
        T: Send + 'static,
        F: Fn(&mut Connection) -> Result<T, SqliteKvError> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut slot = db
                .slot
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match f(db.connection(&mut slot)?) {
                Err(e) if is_moved(&e) => {
                    log::warn!(
                        "key-value file {} was moved while open; reopening it",
                        db.path.display()
                    );
                    *slot = None;
                    f(db.connection(&mut slot)?)
                }
                result => result,
            }
        })
        .await
        .map_err(TaskFailed::from)
    }
}

impl Database {
    /// Runs the write `f` inside a transaction and answers once the transaction is durable:
    /// group-committed with concurrent writes (each in a savepoint of its own), or alone when
    /// group commit is off. A file moved away under the connection is reopened and the write
    /// runs again (nothing was committed).
    ///
    /// Grouped, the write is queued and the caller waits without holding a thread; one task
    /// on tokio's blocking pool commits the queue, batch after batch, while writes arrive.
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<Result<T, SqliteKvError>, TaskFailed>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T, SqliteKvError> + Send + 'static,
    {
        let Some(queue) = &self.queue else {
            let db = Arc::clone(self);
            return tokio::task::spawn_blocking(move || db.write_alone(f))
                .await
                .map_err(TaskFailed::from);
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        queue.submit_with(f, move |result| {
            let _ = reply.send(result);
        });
        if queue.claim() {
            let db = Arc::clone(self);
            // Dropped, not awaited: the writes it commits answer through their channels.
            drop(tokio::task::spawn_blocking(move || {
                if let Some(queue) = &db.queue {
                    queue.commit_while_queued(&db.slot, |slot, reopen| db.reopen(slot, reopen));
                }
            }));
        }
        answer.await.map_err(|_| TaskFailed::Stopped)
    }

    /// The connection for a write; `reopen` after the file was found moved.
    fn reopen<'a>(
        &self,
        slot: &'a mut Option<Open>,
        reopen: bool,
    ) -> Result<&'a mut Connection, SqliteKvError> {
        if reopen {
            log::warn!(
                "key-value file {} was moved while open; reopening it",
                self.path.display()
            );
            *slot = None;
        }
        self.connection(slot)
    }

    /// One write in a transaction of its own (group commit off).
    fn write_alone<T>(
        &self,
        mut f: impl FnMut(&Connection) -> Result<T, SqliteKvError>,
    ) -> Result<T, SqliteKvError> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match group::in_transaction(self.reopen(&mut slot, false)?, &mut f) {
            Err(e) if is_moved(&e) => group::in_transaction(self.reopen(&mut slot, true)?, f),
            result => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The retry in `run` keys on this: a write to a file deleted under the connection.
    #[test]
    fn write_to_a_deleted_file_is_recognised_as_moved() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.db");
        let conn = edgezero_spin_sqlite::open(&path).unwrap();
        edgezero_spin_sqlite::set(&conn, "s", "a", b"1").unwrap();
        std::fs::remove_file(&path).unwrap();
        let err = edgezero_spin_sqlite::set(&conn, "s", "b", b"2").unwrap_err();
        assert!(is_moved(&err), "{err:?}");
    }
}
