//! Maps SQLite failures to the core store errors, in one place.

use edgezero_core::store::config::ConfigError;
use edgezero_core::store::kv::KvError;
use edgezero_spin_sqlite::SqliteKvError;

fn is_busy(err: &SqliteKvError) -> bool {
    matches!(
        err.sqlite().and_then(rusqlite::Error::sqlite_error_code),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Why the file is unavailable and what to do, or `None` when the error is internal. The
/// next request opens the file again, so fixing the cause needs no restart.
fn unavailable_reason(err: &SqliteKvError) -> Option<String> {
    match err {
        SqliteKvError::Open { .. } => Some(format!(
            "{err}; make sure its directory exists or can be created and is writable, or pick \
             another file with --kv-path or EDGEZERO__ADAPTER__KV_PATH (the next request \
             retries)"
        )),
        _ if is_busy(err) => Some(format!(
            "{err}; another process holds the file locked (the next request retries)"
        )),
        _ => None,
    }
}

/// A KV error for store `id`: opening failures and lock timeouts are "unavailable", the
/// rest internal.
pub fn kv_error(id: &str, err: SqliteKvError) -> KvError {
    match unavailable_reason(&err) {
        Some(reason) => KvError::Unavailable {
            store: id.to_string(),
            reason,
        },
        None => KvError::Internal(err.to_string()),
    }
}

/// A config error for store `id`.
pub fn config_error(id: &str, err: SqliteKvError) -> ConfigError {
    match unavailable_reason(&err) {
        Some(reason) => ConfigError::Unavailable {
            store: id.to_string(),
            reason,
        },
        None => ConfigError::Internal(err.to_string()),
    }
}

/// The task running a SQLite call did not answer: a bug (it panicked) or a runtime that is
/// shutting down. The store answers 500 with this in the log.
#[derive(Debug, thiserror::Error)]
pub enum TaskFailed {
    /// The blocking task panicked or was cancelled.
    #[error("key-value worker task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// The group-commit task was dropped before it answered.
    #[error("the key-value commit task stopped before answering")]
    Stopped,
}
