//! The shared SQLite file, opened on first use and used from blocking tasks.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use edgezero_spin_sqlite::SqliteKvError;
use rusqlite::Connection;

/// One SQLite file shared by every worker thread; opened lazily, on the first store access.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    conn: OnceLock<Result<Arc<Mutex<Connection>>, String>>,
}

impl Database {
    /// A database at `path` (not opened yet).
    pub fn new(path: PathBuf) -> Self {
        Database {
            path,
            conn: OnceLock::new(),
        }
    }

    /// The file path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn connection(&self) -> Result<Arc<Mutex<Connection>>, SqliteKvError> {
        let opened = self.conn.get_or_init(|| {
            edgezero_spin_sqlite::open(&self.path)
                .and_then(|c| edgezero_spin_sqlite::enable_expiry(&c).map(|_| c))
                .map(|c| Arc::new(Mutex::new(c)))
                .map_err(|e| e.to_string())
        });
        opened.clone().map_err(|message| SqliteKvError::Open {
            path: self.path.display().to_string(),
            source: rusqlite::Error::InvalidPath(PathBuf::from(message)),
        })
    }

    /// Runs `f` with the connection on tokio's blocking pool, so request threads never block.
    pub async fn run<T, F>(&self, f: F) -> Result<Result<T, SqliteKvError>, String>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, SqliteKvError> + Send + 'static,
    {
        let conn = match self.connection() {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(crate::error::join_error)
    }
}
