//! # Spin's local key-value file
//!
//! Spin keeps local key-value data in one SQLite file (`.spin/sqlite_key_value.db` next to
//! `spin.toml`) with a single table, `spin_key_value (store, key, value)`, where `store` is
//! the label as opened. This crate holds Spin's exact schema and statements, so the native
//! adapter, `edgezero config push --local` and the embedded Spin host all read and write the
//! same rows that `spin up` does.
//!
//! Only Spin's format lives here. Extensions of one backend (the native adapter's TTL side
//! table) belong to that backend.

#![warn(missing_docs)]

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

pub mod atomics;
pub mod group;

/// Spin's table, byte for byte as Spin creates it.
pub const SPIN_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS spin_key_value (
                           store TEXT NOT NULL,
                           key   TEXT NOT NULL,
                           value BLOB NOT NULL,

                           PRIMARY KEY (store, key)
                        )";

/// Spin's read statement.
pub const SPIN_GET: &str = "SELECT value FROM spin_key_value WHERE store=$1 AND key=$2";

/// Spin's upsert statement.
pub const SPIN_SET: &str = "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                     ON CONFLICT(store, key) DO UPDATE SET value=$3";

/// Spin's delete statement.
pub const SPIN_DELETE: &str = "DELETE FROM spin_key_value WHERE store=$1 AND key=$2";

/// Spin's key listing (no ordering).
pub const SPIN_KEYS: &str = "SELECT key FROM spin_key_value WHERE store=$1";

/// Errors of this crate: SQLite failures with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum SqliteKvError {
    /// The file could not be opened or created.
    #[error("cannot open key-value file {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// A statement failed.
    #[error("key-value {operation} failed for key `{key}`: {source}")]
    Statement {
        /// What was being done.
        operation: &'static str,
        /// The key involved (empty for listings).
        key: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The file could not be switched back to the rollback journal ([`stop_serving`]).
    #[error("key-value file stays in journal mode {mode}: another connection has it open")]
    JournalMode {
        /// The mode it stays in.
        mode: String,
    },
    /// A group-committed write whose transaction did not commit (see [`group`]).
    #[error("key-value write was not committed: {reason}")]
    NotCommitted {
        /// Why.
        reason: String,
    },
}

impl SqliteKvError {
    /// The SQLite error underneath, if there is one.
    pub fn sqlite(&self) -> Option<&rusqlite::Error> {
        match self {
            SqliteKvError::Open { source, .. } | SqliteKvError::Statement { source, .. } => {
                Some(source)
            }
            SqliteKvError::NotCommitted { .. } | SqliteKvError::JournalMode { .. } => None,
        }
    }

    /// A copy, for each write of a batch that failed as a whole: same variant, same SQLite
    /// result code (so a busy file still reads as busy), same text.
    pub fn duplicate(&self) -> SqliteKvError {
        let copy = |e: &rusqlite::Error| match e {
            rusqlite::Error::SqliteFailure(code, msg) => {
                rusqlite::Error::SqliteFailure(*code, msg.clone())
            }
            other => rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                Some(other.to_string()),
            ),
        };
        match self {
            SqliteKvError::Open { path, source } => SqliteKvError::Open {
                path: path.clone(),
                source: copy(source),
            },
            SqliteKvError::Statement {
                operation,
                key,
                source,
            } => SqliteKvError::Statement {
                operation,
                key: key.clone(),
                source: copy(source),
            },
            SqliteKvError::NotCommitted { reason } => SqliteKvError::NotCommitted {
                reason: reason.clone(),
            },
            SqliteKvError::JournalMode { mode } => {
                SqliteKvError::JournalMode { mode: mode.clone() }
            }
        }
    }
}

/// SQLite refuses writes because the file was unlinked or renamed under the connection.
pub fn is_moved(err: &SqliteKvError) -> bool {
    matches!(err.sqlite(), Some(rusqlite::Error::SqliteFailure(e, _))
        if e.extended_code == rusqlite::ffi::SQLITE_READONLY_DBMOVED)
}

fn stmt_err<'a>(
    operation: &'static str,
    key: &'a str,
) -> impl FnOnce(rusqlite::Error) -> SqliteKvError + 'a {
    move |source| SqliteKvError::Statement {
        operation,
        key: key.to_string(),
        source,
    }
}

/// Opens (creating when needed) a key-value file: parent directory, Spin's table, a busy
/// timeout so that a server and the CLI can share the file.
pub fn open(path: &Path) -> Result<Connection, SqliteKvError> {
    let open_err = |source| SqliteKvError::Open {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| open_err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    }
    let conn = Connection::open(path).map_err(open_err)?;
    init(&conn).map_err(open_err)?;
    Ok(conn)
}

/// Device and inode of a file (unix), to notice that the file at a path is no longer the one
/// a connection has open (deleted, or replaced by another); `None` when there is no file, and
/// always `None` where the platform cannot tell.
pub type FileId = (u64, u64);

/// The [`FileId`] of the file at `path`.
#[cfg(unix)]
pub fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The [`FileId`] of the file at `path`.
#[cfg(not(unix))]
pub fn file_id(_path: &Path) -> Option<FileId> {
    None
}

/// The write-ahead log's file of the database at `path` (`<path>-wal`).
pub fn wal_path(path: &Path) -> std::path::PathBuf {
    with_suffix(path, "-wal")
}

/// The log's shared-memory index next to it (`<path>-shm`).
pub fn shm_path(path: &Path) -> std::path::PathBuf {
    with_suffix(path, "-shm")
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Prepares the connection of a server that writes the file while it runs, with group
/// commit: SQLite's write-ahead log (`journal_mode = WAL`) with `synchronous = FULL`, so a
/// commit is one flush of the log (the rollback journal needs three: journal, file and
/// directory) and readers on other connections never wait for a commit. Every acknowledged
/// write is as durable as in the rollback journal. `false` when the log cannot be used here
/// (a file system without the shared memory it maps): the file is then put back in the
/// rollback journal, and works the same, only slower. Once this returns `true`, the log's
/// file exists next to the database.
///
/// The log is a mode of the file, not a new format: any SQLite, `spin up` included, reads
/// and writes a file left in it (after a crash, say). [`stop_serving`] gives the file back in
/// the rollback-journal mode Spin creates.
pub fn serve_with_wal(conn: &Connection) -> Result<bool, SqliteKvError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(stmt_err("journal mode", ""))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Ok(false);
    }
    // The mode is switched at once, the log's shared memory mapped only by the next read:
    // read now, and go back to the rollback journal when that fails.
    if conn
        .query_row("SELECT count(*) FROM spin_key_value", [], |_| Ok(()))
        .is_err()
    {
        conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
            .map_err(stmt_err("journal mode", ""))?;
        return Ok(false);
    }
    conn.execute_batch("PRAGMA synchronous = FULL")
        .map_err(stmt_err("synchronous", ""))?;
    Ok(true)
}

/// Copies the write-ahead log into the file and switches it back to the rollback journal
/// (see [`serve_with_wal`]). Needs the last connection to the file: while another one is
/// open (a `config push` at that moment), it fails with SQLite's busy error and the file
/// stays in the log's mode, which is just as readable.
pub fn stop_serving(conn: &Connection) -> Result<(), SqliteKvError> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(stmt_err("checkpoint", ""))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(stmt_err("journal mode", ""))?;
    if mode.eq_ignore_ascii_case("delete") {
        Ok(())
    } else {
        Err(SqliteKvError::JournalMode { mode })
    }
}

/// Opens an in-memory store with the same schema (Spin's `type = "spin"` without `path`).
pub fn open_in_memory() -> Result<Connection, SqliteKvError> {
    let open_err = |source| SqliteKvError::Open {
        path: ":memory:".into(),
        source,
    };
    let conn = Connection::open_in_memory().map_err(open_err)?;
    init(&conn).map_err(open_err)?;
    Ok(conn)
}

fn init(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_handler(Some(busy_wait))?;
    conn.execute(SPIN_SCHEMA, [])?;
    Ok(())
}

/// How long a statement waits for a lock another connection holds before it fails with
/// `SQLITE_BUSY`: about five seconds, so a server and the CLI can share the file.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Waits in short steps at first: another connection's commit holds the file's lock for
/// about one flush (well under a millisecond on an SSD), where SQLite's own busy timeout
/// sleeps 1, 2, 5, 10 ms… between tries, longer than the lock is held.
fn busy_wait(tries: i32) -> bool {
    match busy_delay(tries) {
        Some(delay) => {
            std::thread::sleep(delay);
            true
        }
        None => false,
    }
}

/// The pause before try number `tries + 1` (counted from 0), or `None` once the waits add up
/// to [`BUSY_TIMEOUT`].
fn busy_delay(tries: i32) -> Option<Duration> {
    const SHORT: Duration = Duration::from_micros(50);
    const SHORT_TRIES: u32 = 200; // the first 10 ms in short steps
    const LONG: Duration = Duration::from_millis(2);
    let tries = u32::try_from(tries).unwrap_or(0);
    let waited = SHORT * tries.min(SHORT_TRIES) + LONG * tries.saturating_sub(SHORT_TRIES);
    (waited < BUSY_TIMEOUT).then_some(if tries < SHORT_TRIES { SHORT } else { LONG })
}

/// Reads a value with Spin's statement.
pub fn get(conn: &Connection, store: &str, key: &str) -> Result<Option<Vec<u8>>, SqliteKvError> {
    conn.prepare_cached(SPIN_GET)
        .and_then(|mut s| {
            s.query_row(params![store, key], |r| r.get::<_, Vec<u8>>(0))
                .optional()
        })
        .map_err(stmt_err("get", key))
}

/// Writes a value with Spin's upsert.
pub fn set(conn: &Connection, store: &str, key: &str, value: &[u8]) -> Result<(), SqliteKvError> {
    conn.prepare_cached(SPIN_SET)
        .and_then(|mut s| s.execute(params![store, key, value]))
        .map(drop)
        .map_err(stmt_err("set", key))
}

/// Deletes a key with Spin's statement.
pub fn delete(conn: &Connection, store: &str, key: &str) -> Result<(), SqliteKvError> {
    conn.prepare_cached(SPIN_DELETE)
        .and_then(|mut s| s.execute(params![store, key]))
        .map(drop)
        .map_err(stmt_err("delete", key))
}

/// Every key of a store, in no particular order (Spin's statement).
pub fn keys(conn: &Connection, store: &str) -> Result<Vec<String>, SqliteKvError> {
    let mut stmt = conn
        .prepare_cached(SPIN_KEYS)
        .map_err(stmt_err("list", ""))?;
    let rows = stmt
        .query_map(params![store], |r| r.get::<_, String>(0))
        .map_err(stmt_err("list", ""))?;
    rows.collect::<Result<_, _>>().map_err(stmt_err("list", ""))
}

/// Writes many entries in one transaction: either all land or, on the first failure, none
/// do (the error names the key).
pub fn set_many<'a>(
    conn: &mut Connection,
    store: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<usize, SqliteKvError> {
    group::in_transaction(conn, |c| set_many_in(c, store, entries))
}

/// [`set_many`] inside a transaction the caller holds (see [`group`]).
pub fn set_many_in<'a>(
    conn: &Connection,
    store: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<usize, SqliteKvError> {
    let mut stmt = conn.prepare_cached(SPIN_SET).map_err(stmt_err("set", ""))?;
    let mut n = 0;
    for (key, value) in entries {
        stmt.execute(params![store, key, value])
            .map_err(stmt_err("set", key))?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_file_is_waited_for_in_short_steps_for_about_five_seconds() {
        assert_eq!(busy_delay(0), Some(Duration::from_micros(50)));
        let total: Duration = (0..).map_while(busy_delay).sum();
        assert!(
            total >= BUSY_TIMEOUT - Duration::from_millis(2) && total <= BUSY_TIMEOUT,
            "{total:?}"
        );
    }

    #[test]
    fn a_served_file_is_in_the_log_with_full_sync_and_given_back_in_the_rollback_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.db");
        let conn = open(&path).unwrap();
        assert!(serve_with_wal(&conn).unwrap());
        let pragma = |name: &str| -> String {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| format!("{v:?}"))
            .unwrap()
        };
        assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
        assert_eq!(pragma("synchronous"), "Integer(2)", "FULL");
        assert!(wal_path(&path).exists(), "the log exists once served");
        set(&conn, "s", "k", b"v").unwrap();
        let header = |p: &Path| std::fs::read(p).unwrap()[18..20].to_vec();
        assert_eq!(header(&path), [2, 2]);

        // Another connection keeps the file in the log's mode; the last one gives it back.
        let other = open(&path).unwrap();
        assert!(stop_serving(&conn).is_err());
        drop(other);
        stop_serving(&conn).unwrap();
        assert_eq!(header(&path), [1, 1]);
        drop(conn);
        assert!(!wal_path(&path).exists());
        assert_eq!(
            get(&open(&path).unwrap(), "s", "k").unwrap().as_deref(),
            Some(&b"v"[..])
        );
    }

    #[test]
    fn a_lock_released_meanwhile_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.db");
        let holder = open(&path).unwrap();
        let waiter = open(&path).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            holder.execute_batch("COMMIT").unwrap();
        });
        assert_eq!(
            get(&waiter, "s", "k").unwrap(),
            None,
            "read after the lock went"
        );
        release.join().unwrap();
    }

    /// Pins the interop strings: they must stay byte-identical to Spin's
    /// `crates/key-value-spin/src/store.rs`, or data stops being interchangeable.
    #[test]
    fn spin_statements_are_pinned() {
        let schema = "CREATE TABLE IF NOT EXISTS spin_key_value (\n                           store TEXT NOT NULL,\n                           key   TEXT NOT NULL,\n                           value BLOB NOT NULL,\n\n                           PRIMARY KEY (store, key)\n                        )";
        assert_eq!(SPIN_SCHEMA, schema);
        assert_eq!(
            SPIN_SET,
            "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)\n                     ON CONFLICT(store, key) DO UPDATE SET value=$3"
        );
        assert_eq!(
            SPIN_GET,
            "SELECT value FROM spin_key_value WHERE store=$1 AND key=$2"
        );
        assert_eq!(
            SPIN_DELETE,
            "DELETE FROM spin_key_value WHERE store=$1 AND key=$2"
        );
        assert_eq!(SPIN_KEYS, "SELECT key FROM spin_key_value WHERE store=$1");
    }

    /// A file opened here holds Spin's table and nothing else: backend extensions (the
    /// native adapter's expiry table) are created by their backend.
    #[test]
    fn open_creates_only_spins_table() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("kv.db")).unwrap();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(tables, ["spin_key_value"]);
    }

    #[test]
    fn round_trip_in_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".spin/sqlite_key_value.db");
        let conn = open(&path).unwrap();
        set(&conn, "default", "k", b"v1").unwrap();
        set(&conn, "default", "k", b"v2").unwrap();
        set(&conn, "other", "k", b"x").unwrap();
        assert_eq!(
            get(&conn, "default", "k").unwrap().as_deref(),
            Some(&b"v2"[..])
        );
        assert_eq!(keys(&conn, "default").unwrap(), ["k"]);
        delete(&conn, "default", "k").unwrap();
        assert_eq!(get(&conn, "default", "k").unwrap(), None);
        drop(conn);
        let again = open(&path).unwrap();
        assert_eq!(
            get(&again, "other", "k").unwrap().as_deref(),
            Some(&b"x"[..])
        );
    }

    #[test]
    fn set_many_is_all_or_nothing() {
        let mut conn = open_in_memory().unwrap();
        set(&conn, "cfg", "keep", b"old").unwrap();
        conn.execute_batch(
            "CREATE TRIGGER no_bad BEFORE INSERT ON spin_key_value WHEN NEW.key = 'bad'
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
        let err = set_many(
            &mut conn,
            "cfg",
            [("keep", &b"new"[..]), ("bad", &b"x"[..])],
        )
        .unwrap_err();
        assert!(err.to_string().contains("`bad`"), "{err}");
        assert_eq!(
            get(&conn, "cfg", "keep").unwrap().as_deref(),
            Some(&b"old"[..])
        );
    }
}
