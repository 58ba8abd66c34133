//! The native adapter's TTL side table next to Spin's, and the statements that read around
//! it: rows whose expiry has passed read as missing. Spin ignores the table, so rows written
//! with a TTL stay visible to Spin until this adapter deletes them.

use std::time::{SystemTime, UNIX_EPOCH};

use edgezero_spin_sqlite::SqliteKvError;
use rusqlite::Connection;

/// The expiry side table: one row per key written with a TTL.
pub const EXPIRY_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS edgezero_kv_expiry (
    store TEXT NOT NULL,
    key TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (store, key)
)";

/// Creates the expiry side table next to Spin's (idempotent).
pub fn enable_expiry(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(EXPIRY_SCHEMA, []).map(drop)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) const GET_LIVE: &str = "SELECT v.value, e.expires_at_ms FROM spin_key_value v
    LEFT JOIN edgezero_kv_expiry e ON e.store = v.store AND e.key = v.key
    WHERE v.store = ?1 AND v.key = ?2";
pub(crate) const LIST_LIVE: &str = "SELECT v.key FROM spin_key_value v
    WHERE v.store = ?1 AND v.key >= ?2 AND v.key > ?3
      AND NOT EXISTS (SELECT 1 FROM edgezero_kv_expiry e
                      WHERE e.store = v.store AND e.key = v.key AND e.expires_at_ms <= ?4)
    ORDER BY v.key";
pub(crate) const SET_EXPIRY: &str =
    "INSERT INTO edgezero_kv_expiry (store, key, expires_at_ms) VALUES (?1, ?2, ?3)
    ON CONFLICT(store, key) DO UPDATE SET expires_at_ms = ?3";
pub(crate) const CLEAR_EXPIRY: &str =
    "DELETE FROM edgezero_kv_expiry WHERE store = ?1 AND key = ?2";

/// The error of statement `operation` on `key`.
pub(crate) fn stmt(
    operation: &'static str,
    key: &str,
) -> impl FnOnce(rusqlite::Error) -> SqliteKvError {
    let key = key.to_string();
    move |source| SqliteKvError::Statement {
        operation,
        key,
        source,
    }
}
