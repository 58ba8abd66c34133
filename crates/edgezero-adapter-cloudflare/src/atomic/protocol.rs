//! What the worker asks the atomic store's Durable Object, and what it answers: one
//! [`Op`] per request (as bytes: [`super::wire`]), applied by [`apply`] to the object's rows
//! with no `await` in between, so no other request of the object runs inside an operation.
//! Pure Rust, tested on the host with rows in memory.

use edgezero_core::store::atomic::{decode_counter, encode_counter};
use edgezero_core::store::kv::KvError;

/// A value that may be absent, as one element of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maybe(pub Option<Vec<u8>>);

/// One key and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Vec<u8>,
}

/// One operation on the store (the fields are those of the `KvStore` method of the same
/// name).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// The value of `key`.
    Get { key: String },
    /// Stores `value`, with an expiry `ttl_ms` from now when given.
    Put {
        key: String,
        value: Vec<u8>,
        ttl_ms: Option<u64>,
    },
    /// Removes `key`.
    Delete { key: String },
    /// Keys starting with `prefix`, strictly after `after`, ascending, at most `limit`.
    List {
        prefix: String,
        after: Option<String>,
        limit: usize,
    },
    /// Adds `delta` to the counter under `key`.
    Increment { key: String, delta: i64 },
    /// Replaces the value if it is `expected` (`None`: absent).
    Cas {
        key: String,
        expected: Option<Vec<u8>>,
        new: Vec<u8>,
    },
    /// Stores `new` and answers the value it replaced.
    Exchange { key: String, new: Vec<u8> },
    /// The values of `keys`.
    GetMany { keys: Vec<String> },
    /// Stores every entry.
    SetMany { entries: Vec<Entry> },
    /// Removes every key.
    DeleteMany { keys: Vec<String> },
}

/// The answer to an [`Op`].
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Done; nothing to answer.
    Done,
    /// A value or its absence (get, exchange).
    Value(Maybe),
    /// Several values (get_many).
    Values(Vec<Maybe>),
    /// A page of keys (list).
    Keys { keys: Vec<String>, more: bool },
    /// A counter's new value (increment).
    Counter(i64),
    /// Whether a compare-and-swap wrote (cas).
    Swapped(bool),
    /// The key holds something that is not a counter (increment): HTTP 409.
    NotACounter,
    /// The counter would overflow (increment): HTTP 400.
    Overflow,
    /// The request could not be read: a bug or a version mismatch, HTTP 500.
    BadRequest(String),
}

/// The rows of a store: what [`apply`] needs, implemented on the Durable Object's SQLite
/// storage (and in memory for tests). Expired rows are the implementation's to hide.
pub trait Rows {
    /// The value of `key`, unless absent or expired at `now_ms`.
    fn get(&mut self, key: &str, now_ms: u64) -> Result<Option<Vec<u8>>, String>;
    /// Stores `value`, expiring at `expires_ms` (never: `None`).
    fn put(&mut self, key: &str, value: &[u8], expires_ms: Option<u64>) -> Result<(), String>;
    /// Removes `key`.
    fn delete(&mut self, key: &str) -> Result<(), String>;
    /// Up to `limit` live keys with `prefix`, strictly after `after`, ascending.
    fn keys(
        &mut self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
        now_ms: u64,
    ) -> Result<Vec<String>, String>;
}

/// Applies `op` at time `now_ms`. A storage failure is `Err` (the object answers 500).
pub fn apply(op: Op, rows: &mut dyn Rows, now_ms: u64) -> Result<Reply, String> {
    Ok(match op {
        Op::Get { key } => Reply::Value(Maybe(rows.get(&key, now_ms)?)),
        Op::Put { key, value, ttl_ms } => {
            rows.put(&key, &value, ttl_ms.map(|t| now_ms.saturating_add(t)))?;
            Reply::Done
        }
        Op::Delete { key } => {
            rows.delete(&key)?;
            Reply::Done
        }
        Op::List {
            prefix,
            after,
            limit,
        } => {
            let mut keys = rows.keys(&prefix, after.as_deref(), limit.saturating_add(1), now_ms)?;
            let more = keys.len() > limit;
            keys.truncate(limit);
            Reply::Keys { keys, more }
        }
        Op::Increment { key, delta } => {
            let current = match rows.get(&key, now_ms)? {
                None => 0,
                Some(bytes) => match decode_counter(&bytes) {
                    Some(n) => n,
                    None => return Ok(Reply::NotACounter),
                },
            };
            let Some(next) = current.checked_add(delta) else {
                return Ok(Reply::Overflow);
            };
            rows.put(&key, &encode_counter(next), None)?;
            Reply::Counter(next)
        }
        Op::Cas { key, expected, new } => {
            let current = rows.get(&key, now_ms)?;
            if current == expected {
                rows.put(&key, &new, None)?;
                Reply::Swapped(true)
            } else {
                Reply::Swapped(false)
            }
        }
        Op::Exchange { key, new } => {
            let previous = rows.get(&key, now_ms)?;
            rows.put(&key, &new, None)?;
            Reply::Value(Maybe(previous))
        }
        Op::GetMany { keys } => {
            let mut out = Vec::with_capacity(keys.len());
            for key in &keys {
                out.push(Maybe(rows.get(key, now_ms)?));
            }
            Reply::Values(out)
        }
        Op::SetMany { entries } => {
            for e in &entries {
                rows.put(&e.key, &e.value, None)?;
            }
            Reply::Done
        }
        Op::DeleteMany { keys } => {
            for key in &keys {
                rows.delete(key)?;
            }
            Reply::Done
        }
    })
}

/// The error a reply that does not fit the operation stands for.
pub fn unexpected(reply: &Reply) -> KvError {
    match reply {
        Reply::BadRequest(msg) => KvError::Internal(format!(
            "the atomic store refused the request ({msg}); rebuild and redeploy the worker"
        )),
        other => KvError::Internal(format!("the atomic store answered {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Default)]
    struct Memory(BTreeMap<String, (Vec<u8>, Option<u64>)>);

    impl Rows for Memory {
        fn get(&mut self, key: &str, now_ms: u64) -> Result<Option<Vec<u8>>, String> {
            Ok(self
                .0
                .get(key)
                .filter(|(_, exp)| exp.is_none_or(|e| e > now_ms))
                .map(|(v, _)| v.clone()))
        }
        fn put(&mut self, key: &str, value: &[u8], exp: Option<u64>) -> Result<(), String> {
            self.0.insert(key.to_string(), (value.to_vec(), exp));
            Ok(())
        }
        fn delete(&mut self, key: &str) -> Result<(), String> {
            self.0.remove(key);
            Ok(())
        }
        fn keys(
            &mut self,
            prefix: &str,
            after: Option<&str>,
            limit: usize,
            now_ms: u64,
        ) -> Result<Vec<String>, String> {
            Ok(self
                .0
                .iter()
                .filter(|(k, (_, exp))| {
                    k.starts_with(prefix)
                        && after.is_none_or(|a| k.as_str() > a)
                        && exp.is_none_or(|e| e > now_ms)
                })
                .take(limit)
                .map(|(k, _)| k.clone())
                .collect())
        }
    }

    fn run(rows: &mut Memory, op: Op, now: u64) -> Reply {
        // Through bytes both ways, as between the worker and the object.
        let op = Op::decode(&op.encode()).unwrap();
        let reply = apply(op, rows, now).unwrap();
        Reply::decode(&reply.encode()).unwrap()
    }

    #[test]
    fn counters_count_and_refuse_other_values() {
        let mut rows = Memory::default();
        let inc = |delta| Op::Increment {
            key: "n".into(),
            delta,
        };
        assert_eq!(run(&mut rows, inc(1), 0), Reply::Counter(1));
        assert_eq!(run(&mut rows, inc(41), 0), Reply::Counter(42));
        assert_eq!(rows.0["n"].0, 42i64.to_le_bytes().to_vec());
        assert_eq!(run(&mut rows, inc(i64::MAX), 0), Reply::Overflow);
        let put = Op::Put {
            key: "t".into(),
            value: b"text".to_vec(),
            ttl_ms: None,
        };
        assert_eq!(run(&mut rows, put, 0), Reply::Done);
        let t = Op::Increment {
            key: "t".into(),
            delta: 1,
        };
        assert_eq!(run(&mut rows, t, 0), Reply::NotACounter);
    }

    #[test]
    fn compare_and_swap_and_exchange() {
        let mut rows = Memory::default();
        let cas = |expected: Option<&[u8]>, new: &[u8]| Op::Cas {
            key: "k".into(),
            expected: expected.map(<[u8]>::to_vec),
            new: new.to_vec(),
        };
        assert_eq!(run(&mut rows, cas(None, b"a"), 0), Reply::Swapped(true));
        assert_eq!(run(&mut rows, cas(None, b"b"), 0), Reply::Swapped(false));
        assert_eq!(
            run(&mut rows, cas(Some(b"x"), b"b"), 0),
            Reply::Swapped(false)
        );
        assert_eq!(
            run(&mut rows, cas(Some(b"a"), b"\0\xff"), 0),
            Reply::Swapped(true)
        );
        let ex = Op::Exchange {
            key: "k".into(),
            new: b"c".to_vec(),
        };
        assert_eq!(
            run(&mut rows, ex, 0),
            Reply::Value(Maybe(Some(b"\0\xff".to_vec())))
        );
    }

    #[test]
    fn expiry_hides_values_and_keys() {
        let mut rows = Memory::default();
        let put = Op::Put {
            key: "p/a".into(),
            value: b"1".to_vec(),
            ttl_ms: Some(1000),
        };
        run(&mut rows, put, 5000);
        let get = || Op::Get { key: "p/a".into() };
        assert_eq!(
            run(&mut rows, get(), 5999),
            Reply::Value(Maybe(Some(b"1".to_vec())))
        );
        assert_eq!(run(&mut rows, get(), 6000), Reply::Value(Maybe(None)));
        let list = Op::List {
            prefix: "p/".into(),
            after: None,
            limit: 10,
        };
        assert_eq!(
            run(&mut rows, list, 6000),
            Reply::Keys {
                keys: vec![],
                more: false
            }
        );
    }

    #[test]
    fn listing_pages_after_a_key() {
        let mut rows = Memory::default();
        let entries = ["a/1", "a/2", "a/3", "b/1"]
            .iter()
            .map(|k| Entry {
                key: k.to_string(),
                value: b"v".to_vec(),
            })
            .collect();
        run(&mut rows, Op::SetMany { entries }, 0);
        let list = |after: Option<&str>| Op::List {
            prefix: "a/".into(),
            after: after.map(str::to_string),
            limit: 2,
        };
        assert_eq!(
            run(&mut rows, list(None), 0),
            Reply::Keys {
                keys: vec!["a/1".into(), "a/2".into()],
                more: true
            }
        );
        assert_eq!(
            run(&mut rows, list(Some("a/2")), 0),
            Reply::Keys {
                keys: vec!["a/3".into()],
                more: false
            }
        );
        let many = Op::GetMany {
            keys: vec!["a/1".into(), "zz".into()],
        };
        assert_eq!(
            run(&mut rows, many, 0),
            Reply::Values(vec![Maybe(Some(b"v".to_vec())), Maybe(None)])
        );
        run(
            &mut rows,
            Op::DeleteMany {
                keys: vec!["a/1".into(), "a/2".into()],
            },
            0,
        );
        assert_eq!(rows.0.len(), 2);
    }
}
