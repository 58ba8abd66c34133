//! Spin's SQLite key-value store, through the exact statements of `edgezero-spin-sqlite`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

/// One SQLite database (a file, or in memory), shared by every label stored in it.
pub struct SqliteDb {
    conn: Arc<Mutex<Connection>>,
    /// The file, or `None` in memory.
    pub path: Option<PathBuf>,
}

impl SqliteDb {
    /// Opens (creating the file, its directory and Spin's table when needed).
    pub fn open(path: Option<&Path>) -> Result<SqliteDb, String> {
        let conn = match path {
            Some(p) => edgezero_spin_sqlite::open(p),
            None => edgezero_spin_sqlite::open_in_memory(),
        }
        .map_err(|e| e.to_string())?;
        Ok(SqliteDb {
            conn: Arc::new(Mutex::new(conn)),
            path: path.map(Path::to_path_buf),
        })
    }

    /// Runs `f` on the connection, off the async threads (SQLite blocks, e.g. while another
    /// process holds the write lock).
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, edgezero_spin_sqlite::SqliteKvError> + Send + 'static,
    ) -> Result<R, String> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&conn).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| format!("key-value task failed: {e}"))?
    }

    /// `SELECT value ...`
    pub async fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        let (store, key) = (store.to_string(), key.to_string());
        self.run(move |c| edgezero_spin_sqlite::get(c, &store, &key))
            .await
    }

    /// Spin's upsert.
    pub async fn set(&self, store: &str, key: &str, value: Vec<u8>) -> Result<(), String> {
        let (store, key) = (store.to_string(), key.to_string());
        self.run(move |c| edgezero_spin_sqlite::set(c, &store, &key, &value))
            .await
    }

    /// `DELETE ...`
    pub async fn delete(&self, store: &str, key: &str) -> Result<(), String> {
        let (store, key) = (store.to_string(), key.to_string());
        self.run(move |c| edgezero_spin_sqlite::delete(c, &store, &key))
            .await
    }

    /// Whether a row exists (Spin reads the value).
    pub async fn exists(&self, store: &str, key: &str) -> Result<bool, String> {
        Ok(self.get(store, key).await?.is_some())
    }

    /// `SELECT key ...` (no order).
    pub async fn keys(&self, store: &str) -> Result<Vec<String>, String> {
        let store = store.to_string();
        self.run(move |c| edgezero_spin_sqlite::keys(c, &store))
            .await
    }
}
