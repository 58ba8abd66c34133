//! Counters, compare-and-swap and batches on the SQLite file.
//!
//! The writes run inside a transaction their caller holds (`Database::write`: a
//! group-committed `BEGIN IMMEDIATE` transaction, each write in its own savepoint): the
//! write lock is taken before the read, so no other connection (another server's, `spin
//! up`'s) can change the value between the read and the write, and a write that fails
//! rolls back alone. A writer that has to wait goes through the busy timeout; with a
//! deferred transaction it would instead fail with `SQLITE_BUSY` when upgrading its read
//! lock.
//!
//! Values are written with Spin's upsert, so counters are the 8 little-endian bytes Spin's
//! SQLite store uses, and every write clears the key's expiry (as `put_bytes` does).
//!
//! Each function returns the SQLite error untouched (so the caller can recognise a moved
//! file and run it again: nothing is committed before the error) and the operation's own
//! refusals as a [`KvError`] inside `Ok`.

use edgezero_core::store::atomic::encode_counter;
use edgezero_core::store::kv::KvError;
use edgezero_spin_sqlite::{self as sq, SqliteKvError};
use rusqlite::{params, Connection, OptionalExtension};

use crate::expiry::{now_ms, stmt, CLEAR_EXPIRY, GET_LIVE};

/// The row under `key` and its expiry, if any.
fn row(
    conn: &Connection,
    label: &str,
    key: &str,
) -> rusqlite::Result<Option<(Vec<u8>, Option<i64>)>> {
    conn.prepare_cached(GET_LIVE)?
        .query_row(params![label, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// The live value under `key`. An expired row reads as missing and is deleted with its
/// expiry when the enclosing transaction commits.
fn take_live(tx: &Connection, label: &str, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    match row(tx, label, key)? {
        Some((_, Some(exp))) if exp <= now_ms() => {
            tx.prepare_cached(sq::SPIN_DELETE)?
                .execute(params![label, key])?;
            tx.prepare_cached(CLEAR_EXPIRY)?
                .execute(params![label, key])?;
            Ok(None)
        }
        Some((value, _)) => Ok(Some(value)),
        None => Ok(None),
    }
}

/// Writes `value` with Spin's upsert and clears any expiry of `key`.
fn write(tx: &Connection, label: &str, key: &str, value: &[u8]) -> rusqlite::Result<()> {
    tx.prepare_cached(sq::SPIN_SET)?
        .execute(params![label, key, value])?;
    tx.prepare_cached(CLEAR_EXPIRY)?
        .execute(params![label, key])?;
    Ok(())
}

/// Adds `delta` to the counter under `key` and returns the new value. A value that is not
/// 8 bytes is [`KvError::NotACounter`], an overflow a [`KvError::Validation`]; both write
/// nothing.
pub(crate) fn increment(
    tx: &Connection,
    label: &str,
    key: &str,
    delta: i64,
) -> Result<Result<i64, KvError>, SqliteKvError> {
    let run = || -> rusqlite::Result<Result<i64, KvError>> {
        let current = match take_live(tx, label, key)? {
            None => 0,
            Some(value) => match <[u8; 8]>::try_from(value.as_slice()) {
                Ok(raw) => i64::from_le_bytes(raw),
                Err(_) => {
                    return Ok(Err(KvError::NotACounter {
                        key: key.to_string(),
                    }))
                }
            },
        };
        let Some(next) = current.checked_add(delta) else {
            return Ok(Err(KvError::Validation(format!(
                "incrementing `{key}` ({current}) by {delta} overflows a 64-bit counter"
            ))));
        };
        write(tx, label, key, &encode_counter(next))?;
        Ok(Ok(next))
    };
    run().map_err(stmt("increment", key))
}

/// Replaces the value under `key` with `new` if it is `expected` now (`None`: absent).
/// `false` when it was not; nothing is written then.
pub(crate) fn compare_and_swap(
    tx: &Connection,
    label: &str,
    key: &str,
    expected: Option<&[u8]>,
    new: &[u8],
) -> Result<bool, SqliteKvError> {
    let run = || -> rusqlite::Result<bool> {
        // An expired row is removed even when the swap loses.
        let swapped = take_live(tx, label, key)?.as_deref() == expected;
        if swapped {
            write(tx, label, key, new)?;
        }
        Ok(swapped)
    };
    run().map_err(stmt("compare_and_swap", key))
}

/// Stores `new` under `key` and returns the live value it replaced (an expired value counts
/// as absent).
pub(crate) fn exchange(
    tx: &Connection,
    label: &str,
    key: &str,
    new: &[u8],
) -> Result<Option<Vec<u8>>, SqliteKvError> {
    let run = || -> rusqlite::Result<Option<Vec<u8>>> {
        let previous = take_live(tx, label, key)?;
        write(tx, label, key, new)?;
        Ok(previous)
    };
    run().map_err(stmt("exchange", key))
}

/// The live values of `keys`, in order, read in one transaction (one snapshot). Expired rows
/// read as missing; they are left for a single-key read or a write to remove.
pub(crate) fn get_many(
    conn: &mut Connection,
    label: &str,
    keys: &[String],
) -> Result<Vec<Option<Vec<u8>>>, SqliteKvError> {
    let tx = conn.transaction().map_err(stmt("get_many", ""))?;
    let now = now_ms();
    let mut values = Vec::with_capacity(keys.len());
    for key in keys {
        values.push(match row(&tx, label, key).map_err(stmt("get_many", key))? {
            Some((_, Some(exp))) if exp <= now => None,
            Some((value, _)) => Some(value),
            None => None,
        });
    }
    tx.commit().map_err(stmt("get_many", ""))?;
    Ok(values)
}

/// Writes every entry (clearing expiries): all land or, inside the caller's transaction
/// or savepoint, none do.
pub(crate) fn set_many(
    tx: &Connection,
    label: &str,
    entries: &[(String, bytes::Bytes)],
) -> Result<(), SqliteKvError> {
    for (key, value) in entries {
        write(tx, label, key, value).map_err(stmt("set_many", key))?;
    }
    Ok(())
}

/// Removes every key (and its expiry).
pub(crate) fn delete_many(
    tx: &Connection,
    label: &str,
    keys: &[String],
) -> Result<(), SqliteKvError> {
    for key in keys {
        let remove = || -> rusqlite::Result<()> {
            tx.prepare_cached(sq::SPIN_DELETE)?
                .execute(params![label, key])?;
            tx.prepare_cached(CLEAR_EXPIRY)?
                .execute(params![label, key])?;
            Ok(())
        };
        remove().map_err(stmt("delete_many", key))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expiry::enable_expiry;
    use sq::group::in_transaction;

    // Each operation in a transaction of its own, as `Database::write` runs it.
    fn increment(
        c: &mut Connection,
        l: &str,
        k: &str,
        d: i64,
    ) -> Result<Result<i64, KvError>, SqliteKvError> {
        in_transaction(c, |t| super::increment(t, l, k, d))
    }

    fn exchange(
        c: &mut Connection,
        l: &str,
        k: &str,
        v: &[u8],
    ) -> Result<Option<Vec<u8>>, SqliteKvError> {
        in_transaction(c, |t| super::exchange(t, l, k, v))
    }

    fn compare_and_swap(
        c: &mut Connection,
        l: &str,
        k: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, SqliteKvError> {
        in_transaction(c, |t| super::compare_and_swap(t, l, k, expected, new))
    }

    fn set_many(
        c: &mut Connection,
        l: &str,
        e: &[(String, bytes::Bytes)],
    ) -> Result<(), SqliteKvError> {
        in_transaction(c, |t| super::set_many(t, l, e))
    }

    fn delete_many(c: &mut Connection, l: &str, keys: &[String]) -> Result<(), SqliteKvError> {
        in_transaction(c, |t| super::delete_many(t, l, keys))
    }

    fn open() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = sq::open(&dir.path().join("kv.db")).unwrap();
        enable_expiry(&conn).unwrap();
        (dir, conn)
    }

    fn expire(conn: &Connection, key: &str) {
        conn.execute(
            "INSERT INTO edgezero_kv_expiry (store, key, expires_at_ms) VALUES ('l', ?1, 1)",
            [key],
        )
        .unwrap();
    }

    fn expiries(conn: &Connection) -> i64 {
        conn.query_row("SELECT COUNT(*) FROM edgezero_kv_expiry", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn increment_reads_spins_bytes_and_refuses_anything_else() {
        let (_dir, mut conn) = open();
        sq::set(&conn, "l", "n", &41i64.to_le_bytes()).unwrap();
        assert_eq!(increment(&mut conn, "l", "n", 1).unwrap().unwrap(), 42);
        assert_eq!(
            sq::get(&conn, "l", "n").unwrap(),
            Some(42i64.to_le_bytes().to_vec())
        );

        sq::set(&conn, "l", "text", b"1234567").unwrap();
        let err = increment(&mut conn, "l", "text", 1).unwrap().unwrap_err();
        assert!(
            matches!(err, KvError::NotACounter { ref key } if key == "text"),
            "{err}"
        );
        assert_eq!(
            sq::get(&conn, "l", "text").unwrap().as_deref(),
            Some(&b"1234567"[..])
        );

        let err = increment(&mut conn, "l", "n", i64::MAX)
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(&err, KvError::Validation(m) if m.contains("`n` (42)") && m.contains("overflows")),
            "{err}"
        );
        assert_eq!(
            sq::get(&conn, "l", "n").unwrap(),
            Some(42i64.to_le_bytes().to_vec())
        );
    }

    #[test]
    fn exchange_returns_the_live_value_it_replaced() {
        let (_dir, mut conn) = open();
        assert_eq!(exchange(&mut conn, "l", "k", b"a").unwrap(), None);
        assert_eq!(
            exchange(&mut conn, "l", "k", b"b").unwrap().as_deref(),
            Some(&b"a"[..])
        );
        assert_eq!(
            sq::get(&conn, "l", "k").unwrap().as_deref(),
            Some(&b"b"[..])
        );

        expire(&conn, "k");
        assert_eq!(exchange(&mut conn, "l", "k", b"c").unwrap(), None);
        assert_eq!(
            expiries(&conn),
            0,
            "the new value does not inherit the expiry"
        );
        assert_eq!(
            sq::get(&conn, "l", "k").unwrap().as_deref(),
            Some(&b"c"[..])
        );
    }

    #[test]
    fn an_expired_value_counts_as_missing_and_loses_its_expiry() {
        let (_dir, mut conn) = open();
        sq::set(&conn, "l", "n", b"not a counter").unwrap();
        expire(&conn, "n");
        assert_eq!(increment(&mut conn, "l", "n", 3).unwrap().unwrap(), 3);
        assert_eq!(
            expiries(&conn),
            0,
            "a counter written by increment never expires"
        );

        sq::set(&conn, "l", "c", b"old").unwrap();
        expire(&conn, "c");
        assert!(!compare_and_swap(&mut conn, "l", "c", Some(b"old"), b"new").unwrap());
        assert_eq!(
            sq::get(&conn, "l", "c").unwrap(),
            None,
            "the expired row is removed"
        );
        sq::set(&conn, "l", "c", b"old").unwrap();
        expire(&conn, "c");
        assert!(compare_and_swap(&mut conn, "l", "c", None, b"new").unwrap());
        assert_eq!(
            sq::get(&conn, "l", "c").unwrap().as_deref(),
            Some(&b"new"[..])
        );
        assert_eq!(expiries(&conn), 0);

        sq::set(&conn, "l", "gone", b"x").unwrap();
        expire(&conn, "gone");
        let keys = ["c".to_string(), "gone".to_string(), "none".to_string()];
        assert_eq!(
            get_many(&mut conn, "l", &keys).unwrap(),
            [Some(b"new".to_vec()), None, None]
        );
    }

    #[test]
    fn a_failing_batch_writes_nothing() {
        let (_dir, mut conn) = open();
        sq::set(&conn, "l", "a", b"before").unwrap();
        conn.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON spin_key_value WHEN NEW.key = 'bad'
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        .unwrap();
        let entries = vec![
            ("a".to_string(), bytes::Bytes::from_static(b"after")),
            ("bad".to_string(), bytes::Bytes::from_static(b"x")),
        ];
        let err = set_many(&mut conn, "l", &entries).unwrap_err().to_string();
        assert!(err.contains("set_many") && err.contains("`bad`"), "{err}");
        assert_eq!(
            sq::get(&conn, "l", "a").unwrap().as_deref(),
            Some(&b"before"[..])
        );

        conn.execute_batch(
            "CREATE TRIGGER keep BEFORE DELETE ON spin_key_value WHEN OLD.key = 'b'
             BEGIN SELECT RAISE(ABORT, 'kept'); END",
        )
        .unwrap();
        sq::set(&conn, "l", "b", b"1").unwrap();
        let keys = ["a".to_string(), "b".to_string()];
        assert!(delete_many(&mut conn, "l", &keys).is_err());
        assert!(
            sq::get(&conn, "l", "a").unwrap().is_some(),
            "a is still there"
        );
    }
}
