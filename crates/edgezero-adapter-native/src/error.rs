//! Maps SQLite failures to the core store errors, in one place.

use edgezero_core::store::config::ConfigError;
use edgezero_core::store::kv::KvError;
use edgezero_spin_sqlite::SqliteKvError;

fn is_busy(err: &SqliteKvError) -> bool {
    let source = match err {
        SqliteKvError::Open { source, .. } | SqliteKvError::Statement { source, .. } => source,
    };
    matches!(
        source.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A KV error for store `id`: opening failures and lock timeouts are "unavailable", the
/// rest internal.
pub fn kv_error(id: &str, err: SqliteKvError) -> KvError {
    match &err {
        SqliteKvError::Open { .. } => KvError::Unavailable {
            store: id.to_string(),
            reason: err.to_string(),
        },
        _ if is_busy(&err) => KvError::Unavailable {
            store: id.to_string(),
            reason: format!("{err}; another process holds the file locked"),
        },
        _ => KvError::Internal(err.to_string()),
    }
}

/// A config error for store `id`.
pub fn config_error(id: &str, err: SqliteKvError) -> ConfigError {
    match &err {
        SqliteKvError::Open { .. } => ConfigError::Unavailable {
            store: id.to_string(),
            reason: err.to_string(),
        },
        _ if is_busy(&err) => ConfigError::Unavailable {
            store: id.to_string(),
            reason: err.to_string(),
        },
        _ => ConfigError::Internal(err.to_string()),
    }
}

/// The blocking task running a SQLite call did not finish (it panicked or was cancelled).
pub fn join_error(err: tokio::task::JoinError) -> String {
    format!("key-value worker task failed: {err}")
}
