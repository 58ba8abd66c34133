//! Spin's `wasi:keyvalue` atomics and batches on the same table, as Spin's SQLite store
//! does them: a counter is the 8 bytes of a little-endian `i64`; a compare-and-swap
//! updates the row only if it still holds the value read before.

use rusqlite::{params, Connection};

use super::{stmt_err, SqliteKvError, SPIN_GET};

/// The conditional update of a compare-and-swap. (SQLite numbers `$N` parameters in the
/// order they first appear, so they appear here in order: new value, store, key, old value.)
pub const SPIN_CAS_UPDATE: &str =
    "UPDATE spin_key_value SET value=$1 WHERE store=$2 AND key=$3 AND value=$4";

/// Why an increment was refused (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncrementRefused {
    /// The row holds a value that is not 8 bytes long.
    NotACounter {
        /// Its length.
        len: usize,
    },
    /// The sum does not fit an `i64`.
    Overflow {
        /// The stored value.
        current: i64,
    },
}

/// Adds `delta` to the counter under `key` (missing = 0) in one `BEGIN IMMEDIATE`
/// transaction and returns the new value.
pub fn increment(
    conn: &mut Connection,
    store: &str,
    key: &str,
    delta: i64,
) -> Result<Result<i64, IncrementRefused>, SqliteKvError> {
    crate::group::in_transaction(conn, |c| increment_in(c, store, key, delta))
}

/// [`increment`] inside a transaction the caller holds (see [`crate::group`]): the read and
/// the write are atomic only because the transaction holds the write lock.
pub fn increment_in(
    conn: &Connection,
    store: &str,
    key: &str,
    delta: i64,
) -> Result<Result<i64, IncrementRefused>, SqliteKvError> {
    let current = match super::get(conn, store, key)? {
        None => 0,
        Some(v) => match <[u8; 8]>::try_from(v.as_slice()) {
            Ok(raw) => i64::from_le_bytes(raw),
            Err(_) => return Ok(Err(IncrementRefused::NotACounter { len: v.len() })),
        },
    };
    let Some(next) = current.checked_add(delta) else {
        return Ok(Err(IncrementRefused::Overflow { current }));
    };
    super::set(conn, store, key, &next.to_le_bytes())?;
    Ok(Ok(next))
}

/// Writes `new` under `key` if the row still holds `read` (what a compare-and-swap read
/// before). `read = None` writes with the plain upsert, as Spin does. `true` when written.
pub fn swap(
    conn: &Connection,
    store: &str,
    key: &str,
    read: Option<&[u8]>,
    new: &[u8],
) -> Result<bool, SqliteKvError> {
    match read {
        Some(old) => conn
            .prepare_cached(SPIN_CAS_UPDATE)
            .and_then(|mut s| s.execute(params![new, store, key, old]))
            .map(|rows| rows == 1)
            .map_err(stmt_err("swap", key)),
        None => super::set(conn, store, key, new).map(|()| true),
    }
}

/// The values of the keys that exist, read in one transaction.
pub fn get_many(
    conn: &mut Connection,
    store: &str,
    keys: &[String],
) -> Result<Vec<(String, Vec<u8>)>, SqliteKvError> {
    let tx = conn.transaction().map_err(stmt_err("transaction", ""))?;
    let mut out = Vec::new();
    {
        let mut stmt = tx.prepare_cached(SPIN_GET).map_err(stmt_err("get", ""))?;
        for key in keys {
            use rusqlite::OptionalExtension;
            let v = stmt
                .query_row(params![store, key], |r| r.get::<_, Vec<u8>>(0))
                .optional()
                .map_err(stmt_err("get", key))?;
            if let Some(v) = v {
                out.push((key.clone(), v));
            }
        }
    }
    tx.commit().map_err(stmt_err("commit", ""))?;
    Ok(out)
}

/// Deletes every key in one transaction.
pub fn delete_many(
    conn: &mut Connection,
    store: &str,
    keys: &[String],
) -> Result<(), SqliteKvError> {
    crate::group::in_transaction(conn, |c| delete_many_in(c, store, keys))
}

/// [`delete_many`] inside a transaction the caller holds (see [`crate::group`]).
pub fn delete_many_in(
    conn: &Connection,
    store: &str,
    keys: &[String],
) -> Result<(), SqliteKvError> {
    for key in keys {
        super::delete(conn, store, key)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_swaps_in_spins_format() {
        let mut c = crate::open_in_memory().unwrap();
        assert_eq!(increment(&mut c, "s", "n", 5).unwrap(), Ok(5));
        assert_eq!(increment(&mut c, "s", "n", -7).unwrap(), Ok(-2));
        assert_eq!(
            crate::get(&c, "s", "n").unwrap(),
            Some((-2i64).to_le_bytes().to_vec())
        );
        crate::set(&c, "s", "t", b"text").unwrap();
        assert_eq!(
            increment(&mut c, "s", "t", 1).unwrap(),
            Err(IncrementRefused::NotACounter { len: 4 })
        );
        crate::set(&c, "s", "max", &i64::MAX.to_le_bytes()).unwrap();
        assert!(matches!(
            increment(&mut c, "s", "max", 1).unwrap(),
            Err(IncrementRefused::Overflow { .. })
        ));
        assert!(!swap(&c, "s", "t", Some(b"other"), b"x").unwrap());
        assert!(swap(&c, "s", "t", Some(b"text"), b"x").unwrap());
        assert_eq!(
            crate::get(&c, "s", "t").unwrap().as_deref(),
            Some(&b"x"[..])
        );
        assert!(swap(&c, "s", "new", None, b"y").unwrap());
        let got = get_many(&mut c, "s", &["new".into(), "none".into(), "t".into()]).unwrap();
        assert_eq!(
            got,
            vec![
                ("new".to_string(), b"y".to_vec()),
                ("t".to_string(), b"x".to_vec())
            ]
        );
        delete_many(&mut c, "s", &["new".into(), "t".into()]).unwrap();
        assert_eq!(crate::get(&c, "s", "t").unwrap(), None);
    }
}
