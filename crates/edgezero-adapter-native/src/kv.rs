//! Key-value stores on the shared SQLite file, in Spin's `spin_key_value` format, with TTLs.
//!
//! TTLs are this adapter's extension: expiries live in a side table, `edgezero_kv_expiry`,
//! that Spin ignores. Rows written with a TTL are therefore visible to Spin until this
//! adapter deletes them.
//!
//! Every write (set, delete, counters, compare-and-swap, batches) is group-committed: it
//! runs in its own savepoint of a transaction shared with the writes of concurrent
//! requests, and is answered once that transaction is on disk (see `db.rs`); see
//! `kv_atomic.rs` for counters (Spin's 8 little-endian bytes) and compare-and-swap.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::paging::KeyPage;
use edgezero_spin_sqlite::{self as sq, SqliteKvError};
use rusqlite::{params, Connection, OptionalExtension};

use crate::db::Database;
use crate::error::kv_error;
pub use crate::expiry::{enable_expiry, EXPIRY_SCHEMA};
use crate::expiry::{now_ms, stmt, CLEAR_EXPIRY, GET_LIVE, LIST_LIVE, SET_EXPIRY};
use crate::kv_atomic;

/// A KV store: the rows of one label in the SQLite file.
pub struct SqliteKv {
    id: String,
    label: Arc<str>,
    db: Arc<Database>,
}

/// Deletes `key` and its expiry (inside the caller's transaction).
fn remove(tx: &Connection, label: &str, key: &str) -> Result<(), SqliteKvError> {
    tx.prepare_cached(sq::SPIN_DELETE)
        .and_then(|mut s| s.execute(params![label, key]))
        .map_err(stmt("delete", key))?;
    tx.prepare_cached(CLEAR_EXPIRY)
        .and_then(|mut s| s.execute(params![label, key]))
        .map_err(stmt("delete", key))?;
    Ok(())
}

fn get_live(
    conn: &mut Connection,
    label: &str,
    key: &str,
) -> Result<Option<Vec<u8>>, SqliteKvError> {
    let row: Option<(Vec<u8>, Option<i64>)> = conn
        .prepare_cached(GET_LIVE)
        .and_then(|mut s| {
            s.query_row(params![label, key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(stmt("get", key))?;
    match row {
        Some((_, Some(exp))) if exp <= now_ms() => {
            sq::group::in_transaction(conn, |tx| remove(tx, label, key))?;
            Ok(None)
        }
        Some((value, _)) => Ok(Some(value)),
        None => Ok(None),
    }
}

/// Writes `value` with Spin's upsert and sets or clears its expiry (inside the caller's
/// transaction).
fn put(
    tx: &Connection,
    label: &str,
    key: &str,
    value: &[u8],
    expires: Option<i64>,
) -> Result<(), SqliteKvError> {
    tx.prepare_cached(sq::SPIN_SET)
        .and_then(|mut s| s.execute(params![label, key, value]))
        .map_err(stmt("set", key))?;
    match expires {
        Some(at) => tx
            .prepare_cached(SET_EXPIRY)
            .and_then(|mut s| s.execute(params![label, key, at])),
        None => tx
            .prepare_cached(CLEAR_EXPIRY)
            .and_then(|mut s| s.execute(params![label, key])),
    }
    .map_err(stmt("set", key))?;
    Ok(())
}

fn list(
    conn: &mut Connection,
    label: &str,
    prefix: &str,
    after: &str,
    limit: usize,
) -> Result<KeyPage, SqliteKvError> {
    let mut s = conn
        .prepare_cached(LIST_LIVE)
        .map_err(stmt("list", prefix))?;
    let mut rows = s
        .query(params![label, prefix, after, now_ms()])
        .map_err(stmt("list", prefix))?;
    let mut page = KeyPage::default();
    while let Some(row) = rows.next().map_err(stmt("list", prefix))? {
        let key: String = row.get(0).map_err(stmt("list", prefix))?;
        if !key.starts_with(prefix) {
            break; // ordered by key: the prefix range is over
        }
        if page.keys.len() == limit {
            page.more = true;
            break;
        }
        page.keys.push(key);
    }
    Ok(page)
}

impl SqliteKv {
    /// The store for logical `id`, reading and writing rows of `label`.
    pub fn new(id: &str, label: &str, db: Arc<Database>) -> Self {
        SqliteKv {
            id: id.to_string(),
            label: Arc::from(label),
            db,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl Fn(&mut Connection, &str) -> Result<T, SqliteKvError> + Send + 'static,
    ) -> Result<T, KvError> {
        let label = Arc::clone(&self.label);
        match self.db.run(move |conn| f(conn, &label)).await {
            Ok(result) => result.map_err(|e| kv_error(&self.id, e)),
            Err(join) => Err(KvError::Internal(join.to_string())),
        }
    }

    /// Runs the write `f` in a transaction, group-committed (see `Database::write`).
    async fn write<T: Send + 'static>(
        &self,
        f: impl Fn(&Connection, &str) -> Result<T, SqliteKvError> + Send + 'static,
    ) -> Result<T, KvError> {
        let label = Arc::clone(&self.label);
        match self.db.write(move |conn| f(conn, &label)).await {
            Ok(result) => result.map_err(|e| kv_error(&self.id, e)),
            Err(join) => Err(KvError::Internal(join.to_string())),
        }
    }
}

#[async_trait(?Send)]
impl KvStore for SqliteKv {
    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        let key = key.to_string();
        self.run(move |c, l| get_live(c, l, &key))
            .await
            .map(|v| v.map(Bytes::from))
    }

    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        let key = key.to_string();
        self.write(move |c, l| put(c, l, &key, &value, None)).await
    }

    async fn put_bytes_with_ttl(
        &self,
        key: &str,
        value: Bytes,
        ttl: Duration,
    ) -> Result<(), KvError> {
        let key = key.to_string();
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let at = now_ms().saturating_add(ttl_ms);
        self.write(move |c, l| put(c, l, &key, &value, Some(at)))
            .await
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        let key = key.to_string();
        self.write(move |c, l| remove(c, l, &key)).await
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        let key = key.to_string();
        self.run(move |c, l| get_live(c, l, &key).map(|v| v.is_some()))
            .await
    }

    async fn list_keys_page(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, KvError> {
        let prefix = prefix.to_string();
        let after = after.unwrap_or("").to_string();
        self.run(move |c, l| list(c, l, &prefix, &after, limit))
            .await
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let key = key.to_string();
        self.write(move |c, l| kv_atomic::increment(c, l, &key, delta))
            .await?
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Bytes,
    ) -> Result<bool, KvError> {
        let key = key.to_string();
        let expected = expected.map(<[u8]>::to_vec);
        self.write(move |c, l| kv_atomic::compare_and_swap(c, l, &key, expected.as_deref(), &new))
            .await
    }

    async fn exchange_bytes(&self, key: &str, new: Bytes) -> Result<Option<Bytes>, KvError> {
        let key = key.to_string();
        self.write(move |c, l| kv_atomic::exchange(c, l, &key, &new))
            .await
            .map(|previous| previous.map(Bytes::from))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Bytes>>, KvError> {
        let keys = keys.to_vec();
        let values = self
            .run(move |c, l| kv_atomic::get_many(c, l, &keys))
            .await?;
        Ok(values.into_iter().map(|v| v.map(Bytes::from)).collect())
    }

    async fn set_many(&self, entries: Vec<(String, Bytes)>) -> Result<(), KvError> {
        self.write(move |c, l| kv_atomic::set_many(c, l, &entries))
            .await
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        let keys = keys.to_vec();
        self.write(move |c, l| kv_atomic::delete_many(c, l, &keys))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_table_is_created_on_spins_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = sq::open(&dir.path().join("kv.db")).unwrap();
        enable_expiry(&conn).unwrap();
        enable_expiry(&conn).unwrap();
        sq::group::in_transaction(&mut conn, |tx| {
            put(tx, "lbl", "k", b"v", Some(now_ms() + 60_000))
        })
        .unwrap();
        assert_eq!(
            get_live(&mut conn, "lbl", "k").unwrap().as_deref(),
            Some(&b"v"[..])
        );
        // Spin's own statement sees the row.
        assert_eq!(
            sq::get(&conn, "lbl", "k").unwrap().as_deref(),
            Some(&b"v"[..])
        );
    }
}
