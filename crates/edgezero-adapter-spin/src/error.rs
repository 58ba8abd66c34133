//! The one place where Spin key-value errors become EdgeZero store errors.
//!
//! Spin's `key_value::Error` is mirrored by [`SpinKvError`] so the mapping is plain Rust
//! that host tests exercise; on `wasm32` the SDK error converts into it losslessly, and so
//! does `wasi:keyvalue/store`'s `error` (`no-such-store`, `access-denied`, `other`), which
//! Spin raises for the same labels and the same reasons.

use edgezero_core::env::{self, StoreKind};
use edgezero_core::store::config::ConfigError;
use edgezero_core::store::kv::KvError;

/// Spin's `spin:key-value/key-value@3.0.0` error, variant for variant (`wasi:keyvalue`'s
/// error is the same without `StoreTableFull`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpinKvError {
    /// Too many stores are open in this component instance.
    StoreTableFull,
    /// The host has no store with this label (no backend configured for it).
    NoSuchStore,
    /// The component may not open this label (it is not in `key_value_stores`).
    AccessDenied,
    /// Any other backend failure, with the host's message.
    Other(String),
}

/// The operation that failed, for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    /// Opening the label.
    Open,
    /// Reading a key.
    Get(&'a str),
    /// Writing a key.
    Set(&'a str),
    /// Deleting a key.
    Delete(&'a str),
    /// Checking a key.
    Exists(&'a str),
    /// Listing keys.
    ListKeys,
    /// Opening the `wasi:keyvalue` bucket of the label (for atomic and batch operations).
    OpenBucket,
    /// Incrementing a counter.
    Increment(&'a str),
    /// A compare-and-swap.
    CompareAndSwap(&'a str),
    /// Reading this many keys in one batch.
    GetMany(usize),
    /// Writing this many keys in one batch.
    SetMany(usize),
    /// Deleting this many keys in one batch.
    DeleteMany(usize),
}

impl Op<'_> {
    /// Appends what the operation does, e.g. ``read `k` ``. Built with `push_str` rather than
    /// `write!`, whose formatting code would cost every component that uses a store.
    fn push_to(self, out: &mut String) {
        let (verb, key, count) = match self {
            Op::Open => ("open the store", None, None),
            Op::Get(k) => ("read", Some(k), None),
            Op::Set(k) => ("write", Some(k), None),
            Op::Delete(k) => ("delete", Some(k), None),
            Op::Exists(k) => ("check", Some(k), None),
            Op::ListKeys => ("list keys", None, None),
            Op::OpenBucket => ("open the `wasi:keyvalue` bucket of", None, None),
            Op::Increment(k) => ("increment", Some(k), None),
            Op::CompareAndSwap(k) => ("compare-and-swap", Some(k), None),
            Op::GetMany(n) => ("read", None, Some(n)),
            Op::SetMany(n) => ("write", None, Some(n)),
            Op::DeleteMany(n) => ("delete", None, Some(n)),
        };
        out.push_str(verb);
        if let Some(key) = key {
            out.push_str(" `");
            out.push_str(key);
            out.push('`');
        }
        if let Some(n) = count {
            out.push(' ');
            out.push_str(&n.to_string());
            out.push_str(" keys");
        }
    }
}

impl std::fmt::Display for Op<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = String::new();
        self.push_to(&mut text);
        f.write_str(&text)
    }
}

/// Which logical store a Spin label backs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreRef<'a> {
    /// `kv` or `config`.
    pub kind: StoreKind,
    /// The logical id from `edgezero.toml`.
    pub id: &'a str,
    /// The Spin label it resolved to.
    pub label: &'a str,
}

impl StoreRef<'_> {
    fn describe(&self) -> String {
        let mut s = String::from("Spin key-value store `");
        s.push_str(self.label);
        s.push_str("` (");
        s.push_str(self.kind.as_str());
        s.push_str(" store `");
        s.push_str(self.id);
        s.push('`');
        if self.label != self.id {
            s.push_str(", label set by ");
            s.push_str(&env::store_name_var(self.kind, self.id));
        }
        s.push(')');
        s
    }
}

/// The store error enums a Spin failure can become.
pub trait FromSpinFailure {
    /// The store could not be opened or reached; `reason` says how to fix it.
    fn unavailable(store: &str, reason: String) -> Self;
    /// An unexpected backend failure.
    fn internal(message: String) -> Self;
}

impl FromSpinFailure for KvError {
    fn unavailable(store: &str, reason: String) -> Self {
        KvError::Unavailable {
            store: store.to_string(),
            reason,
        }
    }
    fn internal(message: String) -> Self {
        KvError::Internal(message)
    }
}

impl FromSpinFailure for ConfigError {
    fn unavailable(store: &str, reason: String) -> Self {
        ConfigError::Unavailable {
            store: store.to_string(),
            reason,
        }
    }
    fn internal(message: String) -> Self {
        ConfigError::Internal(message)
    }
}

/// Maps a Spin key-value error to [`KvError`] or [`ConfigError`], keeping its meaning:
///
/// | Spin | EdgeZero | message |
/// |---|---|---|
/// | `AccessDenied` | `Unavailable` (503) | add the label to `[component.<id>].key_value_stores` in spin.toml (and to runtime-config.toml unless it is `default`) |
/// | `NoSuchStore` | `Unavailable` (503) | declare `[key_value_store.<label>]` in runtime-config.toml |
/// | `StoreTableFull` | `Unavailable` (503) | too many stores open in this instance; retry |
/// | `Other` saying the backend cannot be reached (see [`backend_unreachable`]), on any operation | `Unavailable` (503) | the operation, the host's message, and the server to check |
/// | `Other` on open (store or `wasi:keyvalue` bucket) | `Unavailable` (503) | the host's message |
/// | `Other` otherwise | `Internal` (500) | the operation, the key and the host's message |
///
/// The client sees only the status and the logical store; the message goes to the log.
pub fn map_kv_error<E: FromSpinFailure>(err: SpinKvError, store: StoreRef<'_>, op: Op<'_>) -> E {
    match describe_failure(err, &store, op) {
        (true, reason) => E::unavailable(store.id, reason),
        (false, message) => E::internal(message),
    }
}

/// What the host's `other` message says when a store's backend cannot be reached: the
/// descriptions of the I/O errors of a lost or refused connection, as Rust's `std::io::Error`
/// prints them (`Connection refused (os error 111)`, `broken pipe`, …), and DNS failures.
/// Spin's Redis store (like the embedded host's) answers `other` with the Redis client's
/// error text, whether the server was never reached (on open) or went away (on any later
/// operation); `other(string)` is all the WIT error carries, so its text is the only signal.
const UNREACHABLE: &[&str] = &[
    "connection refused",
    "connection reset",
    "connection aborted",
    "connection closed",
    "connection dropped",
    "broken pipe",
    "not connected",
    "timed out",
    "unexpected end of file",
    "unreachable",
    "no route to host",
    "failed to lookup address",
];

/// Whether Spin's `other(message)` means that the store's backend (a Redis server, …) cannot
/// be reached, so the request may succeed once it is back: HTTP 503 rather than 500.
/// (A plain window comparison, ignoring ASCII case: `str::contains` would link a substring
/// searcher of about 2 KB into every component.)
pub fn backend_unreachable(message: &str) -> bool {
    let message = message.as_bytes();
    UNREACHABLE.iter().any(|phrase| {
        message
            .windows(phrase.len())
            .any(|window| window.eq_ignore_ascii_case(phrase.as_bytes()))
    })
}

/// The message of [`map_kv_error`], and whether the store is unavailable (or the failure
/// internal). Not generic, so a component carries it once, and built with `push_str`.
fn describe_failure(err: SpinKvError, store: &StoreRef<'_>, op: Op<'_>) -> (bool, String) {
    let what = store.describe();
    let label = store.label;
    let mut s = String::new();
    let unavailable = match err {
        SpinKvError::AccessDenied => {
            s.push_str("this component may not open ");
            s.push_str(&what);
            s.push_str(": add \"");
            s.push_str(label);
            s.push_str("\" to `[component.<id>].key_value_stores` in spin.toml");
            if label != "default" {
                s.push_str(" and declare `[key_value_store.");
                s.push_str(label);
                s.push_str("]` (e.g. type = \"spin\") in runtime-config.toml");
            }
            true
        }
        SpinKvError::NoSuchStore => {
            s.push_str("Spin has no backend for ");
            s.push_str(&what);
            if label == "default" {
                s.push_str(": the runtime config must not remove `default`");
            } else {
                s.push_str(": declare `[key_value_store.");
                s.push_str(label);
                s.push_str(
                    "]` (e.g. type = \"spin\") in runtime-config.toml and pass it with \
                     `spin up --runtime-config-file runtime-config.toml`",
                );
            }
            true
        }
        SpinKvError::StoreTableFull => {
            s.push_str("cannot ");
            op.push_to(&mut s);
            s.push_str(" on ");
            s.push_str(&what);
            s.push_str(
                ": too many key-value stores are open in this component instance \
                 (Spin's store table is full); retry the request",
            );
            true
        }
        SpinKvError::Other(msg) => {
            s.push_str("cannot ");
            let opening = match op {
                Op::Open => {
                    s.push_str("open ");
                    true
                }
                Op::OpenBucket => {
                    op.push_to(&mut s);
                    s.push(' ');
                    true
                }
                _ => {
                    op.push_to(&mut s);
                    s.push_str(" on ");
                    false
                }
            };
            s.push_str(&what);
            if backend_unreachable(&msg) {
                s.push_str(": its backend cannot be reached (");
                s.push_str(&msg);
                s.push_str("); check that the server of label \"");
                s.push_str(label);
                s.push_str("\" (`[key_value_store.");
                s.push_str(label);
                s.push_str(
                    "]` in runtime-config.toml) is running and reachable from the Spin host; \
                     the next request tries again",
                );
                true
            } else {
                s.push_str(": ");
                s.push_str(&msg);
                opening
            }
        }
    };
    (unavailable, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: StoreRef<'static> = StoreRef {
        kind: StoreKind::Kv,
        id: "data",
        label: "data",
    };

    fn kv(err: SpinKvError, store: StoreRef<'_>, op: Op<'_>) -> KvError {
        map_kv_error(err, store, op)
    }

    #[test]
    fn access_denied_names_the_label_and_both_files() {
        let KvError::Unavailable { store, reason } = kv(SpinKvError::AccessDenied, DATA, Op::Open)
        else {
            panic!("wrong variant")
        };
        assert_eq!(store, "data");
        assert!(reason.contains("\"data\""), "{reason}");
        assert!(
            reason.contains("[component.<id>].key_value_stores"),
            "{reason}"
        );
        assert!(reason.contains("spin.toml"), "{reason}");
        assert!(reason.contains("[key_value_store.data]"), "{reason}");
        assert!(reason.contains("runtime-config.toml"), "{reason}");
    }

    #[test]
    fn access_denied_on_default_does_not_ask_for_runtime_config() {
        let store = StoreRef {
            kind: StoreKind::Kv,
            id: "default",
            label: "default",
        };
        let KvError::Unavailable { reason, .. } = kv(SpinKvError::AccessDenied, store, Op::Open)
        else {
            panic!("wrong variant")
        };
        assert!(reason.contains("key_value_stores"), "{reason}");
        assert!(!reason.contains("runtime-config.toml"), "{reason}");
    }

    #[test]
    fn overridden_labels_name_the_variable() {
        let store = StoreRef {
            kind: StoreKind::Config,
            id: "app_config",
            label: "prod-config",
        };
        let err: ConfigError = map_kv_error(SpinKvError::NoSuchStore, store, Op::Open);
        let ConfigError::Unavailable { store, reason } = err else {
            panic!("wrong variant")
        };
        assert_eq!(store, "app_config");
        assert!(
            reason.contains("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME"),
            "{reason}"
        );
        assert!(reason.contains("[key_value_store.prod-config]"), "{reason}");
    }

    #[test]
    fn store_table_full_is_unavailable() {
        let err = kv(SpinKvError::StoreTableFull, DATA, Op::Open);
        assert!(
            matches!(&err, KvError::Unavailable { reason, .. } if reason.contains("store table is full")),
            "{err}"
        );
    }

    #[test]
    fn other_is_unavailable_on_open_and_internal_afterwards() {
        assert!(matches!(
            kv(SpinKvError::Other("db locked".into()), DATA, Op::Open),
            KvError::Unavailable { .. }
        ));
        let err = kv(SpinKvError::Other("db locked".into()), DATA, Op::Set("k"));
        let KvError::Internal(msg) = err else {
            panic!("wrong variant")
        };
        assert!(
            msg.contains("write `k`") && msg.contains("db locked"),
            "{msg}"
        );
        let err: ConfigError = map_kv_error(SpinKvError::Other("io".into()), DATA, Op::Get("a.b"));
        assert!(matches!(err, ConfigError::Internal(m) if m.contains("read `a.b`")));
    }

    #[test]
    fn bucket_errors_read_like_store_errors() {
        let err = kv(SpinKvError::Other("gone".into()), DATA, Op::OpenBucket);
        assert!(
            matches!(&err, KvError::Unavailable { reason, .. }
                if reason.contains("open the `wasi:keyvalue` bucket of Spin key-value store `data`")
                    && reason.contains("gone")),
            "{err}"
        );
        assert!(matches!(
            kv(SpinKvError::AccessDenied, DATA, Op::OpenBucket),
            KvError::Unavailable { reason, .. } if reason.contains("key_value_stores")
        ));
        let err = kv(SpinKvError::Other("busy".into()), DATA, Op::Increment("n"));
        assert!(
            matches!(&err, KvError::Internal(m) if m.contains("increment `n`") && m.contains("busy")),
            "{err}"
        );
        let err = kv(SpinKvError::Other("x".into()), DATA, Op::DeleteMany(3));
        assert!(
            matches!(&err, KvError::Internal(m) if m.contains("delete 3 keys")),
            "{err}"
        );
    }

    #[test]
    fn messages_are_exact() {
        let renamed = StoreRef {
            kind: StoreKind::Kv,
            id: "data",
            label: "prod-data",
        };
        let default = StoreRef {
            kind: StoreKind::Kv,
            id: "default",
            label: "default",
        };
        let text = |err: KvError| match err {
            KvError::Unavailable { reason, .. } => format!("unavailable: {reason}"),
            KvError::Internal(message) => format!("internal: {message}"),
            other => panic!("unexpected {other:?}"),
        };
        let cases = [
            (
                kv(SpinKvError::AccessDenied, renamed, Op::Open),
                "unavailable: this component may not open Spin key-value store `prod-data` (kv \
                 store `data`, label set by EDGEZERO__STORES__KV__DATA__NAME): add \"prod-data\" \
                 to `[component.<id>].key_value_stores` in spin.toml and declare \
                 `[key_value_store.prod-data]` (e.g. type = \"spin\") in runtime-config.toml",
            ),
            (
                kv(SpinKvError::AccessDenied, default, Op::Open),
                "unavailable: this component may not open Spin key-value store `default` (kv \
                 store `default`): add \"default\" to `[component.<id>].key_value_stores` in \
                 spin.toml",
            ),
            (
                kv(SpinKvError::NoSuchStore, default, Op::Open),
                "unavailable: Spin has no backend for Spin key-value store `default` (kv store \
                 `default`): the runtime config must not remove `default`",
            ),
            (
                kv(SpinKvError::NoSuchStore, DATA, Op::Open),
                "unavailable: Spin has no backend for Spin key-value store `data` (kv store \
                 `data`): declare `[key_value_store.data]` (e.g. type = \"spin\") in \
                 runtime-config.toml and pass it with `spin up --runtime-config-file \
                 runtime-config.toml`",
            ),
            (
                kv(SpinKvError::StoreTableFull, DATA, Op::SetMany(12)),
                "unavailable: cannot write 12 keys on Spin key-value store `data` (kv store \
                 `data`): too many key-value stores are open in this component instance (Spin's \
                 store table is full); retry the request",
            ),
            (
                kv(SpinKvError::Other("m".into()), DATA, Op::Open),
                "unavailable: cannot open Spin key-value store `data` (kv store `data`): m",
            ),
            (
                kv(SpinKvError::Other("m".into()), DATA, Op::OpenBucket),
                "unavailable: cannot open the `wasi:keyvalue` bucket of Spin key-value store \
                 `data` (kv store `data`): m",
            ),
            (
                kv(
                    SpinKvError::Other("m".into()),
                    DATA,
                    Op::CompareAndSwap("k"),
                ),
                "internal: cannot compare-and-swap `k` on Spin key-value store `data` (kv store \
                 `data`): m",
            ),
            (
                kv(SpinKvError::Other("m".into()), DATA, Op::ListKeys),
                "internal: cannot list keys on Spin key-value store `data` (kv store `data`): m",
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(text(err), expected);
        }
        let ops = [
            (Op::Open, "open the store"),
            (Op::Get("k"), "read `k`"),
            (Op::Set("k"), "write `k`"),
            (Op::Delete("k"), "delete `k`"),
            (Op::Exists("k"), "check `k`"),
            (Op::ListKeys, "list keys"),
            (Op::OpenBucket, "open the `wasi:keyvalue` bucket of"),
            (Op::Increment("k"), "increment `k`"),
            (Op::CompareAndSwap("k"), "compare-and-swap `k`"),
            (Op::GetMany(2), "read 2 keys"),
            (Op::SetMany(0), "write 0 keys"),
            (Op::DeleteMany(1000), "delete 1000 keys"),
        ];
        for (op, expected) in ops {
            assert_eq!(op.to_string(), expected);
        }
    }

    #[test]
    fn an_unreachable_backend_is_unavailable_on_every_operation() {
        // The texts Spin's Redis store (the Redis client's I/O errors) and the embedded host
        // give when the server is down, was never up, or went away mid-request.
        let down = [
            "Connection refused (os error 111)",
            "Connection reset by peer (os error 104)",
            "Broken pipe (os error 32)",
            "broken pipe",
            "connection reset",
            "unexpected end of file",
            "Connection timed out (os error 110)",
            "timed out",
            "No route to host (os error 113)",
            "Network is unreachable (os error 101)",
            "failed to lookup address information: Name or service not known",
            "Connection dropped - Io",
        ];
        let ops = [
            Op::Open,
            Op::OpenBucket,
            Op::Get("k"),
            Op::Set("k"),
            Op::Delete("k"),
            Op::Exists("k"),
            Op::ListKeys,
            Op::Increment("n"),
            Op::CompareAndSwap("k"),
            Op::GetMany(2),
            Op::SetMany(2),
            Op::DeleteMany(2),
        ];
        for msg in down {
            assert!(backend_unreachable(msg), "{msg}");
            for op in ops {
                let err = kv(SpinKvError::Other(msg.into()), DATA, op);
                let KvError::Unavailable { store, reason } = &err else {
                    panic!("{msg} on {op}: {err:?}")
                };
                assert_eq!(store, "data");
                assert!(
                    reason.contains(msg)
                        && reason.contains("cannot be reached")
                        && reason.contains("[key_value_store.data]")
                        && reason.contains("running and reachable"),
                    "{reason}"
                );
                let e: edgezero_core::EdgeError = err.into();
                assert_eq!(e.status().as_u16(), 503);
            }
            let err: ConfigError = map_kv_error(SpinKvError::Other(msg.into()), DATA, Op::Get("a"));
            assert!(matches!(err, ConfigError::Unavailable { .. }), "{err:?}");
        }
        for msg in [
            "db locked",
            "query result exceeds limit of 1 bytes",
            "WRONGTYPE",
            "",
        ] {
            assert!(!backend_unreachable(msg), "{msg}");
        }
        assert_eq!(
            match kv(SpinKvError::Other("broken pipe".into()), DATA, Op::Get("k")) {
                KvError::Unavailable { reason, .. } => reason,
                other => panic!("{other:?}"),
            },
            "cannot read `k` on Spin key-value store `data` (kv store `data`): its backend \
             cannot be reached (broken pipe); check that the server of label \"data\" \
             (`[key_value_store.data]` in runtime-config.toml) is running and reachable from \
             the Spin host; the next request tries again"
        );
    }

    #[test]
    fn statuses_follow_the_meaning() {
        use edgezero_core::EdgeError;
        for (err, status) in [
            (SpinKvError::AccessDenied, 503),
            (SpinKvError::NoSuchStore, 503),
            (SpinKvError::StoreTableFull, 503),
            (
                SpinKvError::Other("Connection refused (os error 111)".into()),
                503,
            ),
            (SpinKvError::Other("x".into()), 500),
        ] {
            let e: EdgeError = kv(err.clone(), DATA, Op::Get("k")).into();
            assert_eq!(e.status().as_u16(), status, "{err:?}");
        }
    }
}
