//! `[stores.kv]` ids on Workers KV namespaces.
//!
//! Workers KV is eventually consistent and has no atomic operation: `increment` and
//! `compare_and_swap` answer 501 here (bind the id to the atomic store instead, see the crate
//! docs). A TTL under Workers KV's minimum is a 400 before anything is written. Listing is
//! Workers KV's own (prefix, in key order); our cursor (the last key of a page) resumes it by
//! skipping the keys up to that key.

use std::time::Duration;

use edgezero_cloudflare_names::{KV_MAX_LIST_LIMIT, KV_MIN_TTL_SECS};
use edgezero_core::store::kv::KvError;

/// Workers KV's `expirationTtl` for `ttl`: whole seconds, rounded up, at least the minimum.
pub fn expiration_ttl(ttl: Duration) -> Result<u64, KvError> {
    let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    if secs < KV_MIN_TTL_SECS {
        return Err(KvError::Validation(format!(
            "ttl is {} ms; Workers KV keeps values for at least {KV_MIN_TTL_SECS} s (bind the store to the atomic store for shorter TTLs)",
            ttl.as_millis()
        )));
    }
    Ok(secs)
}

/// What an atomic operation on a Workers KV namespace answers: 501, naming the atomic store
/// and the wrangler.toml stanza that binds the id to it.
pub fn not_atomic(operation: &'static str, id: &str, binding: &str) -> KvError {
    KvError::NotAtomic {
        operation,
        store: id.to_string(),
        fix: format!(
            "Workers KV has no atomic operations; bind `{binding}` to EdgeZero's atomic store instead ([[durable_objects.bindings]] name = \"{binding}\", class_name = \"{}\" in wrangler.toml, see docs/cloudflare.md)",
            edgezero_cloudflare_names::ATOMIC_KV_CLASS
        ),
    }
}

/// How many keys to ask Workers KV for per listing call.
pub const CALL_LIMIT: usize = KV_MAX_LIST_LIMIT;

#[cfg(target_arch = "wasm32")]
pub use backend::WorkersKv;

#[cfg(target_arch = "wasm32")]
mod backend {
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;
    use bytes::Bytes;
    use edgezero_core::env::StoreKind;
    use edgezero_core::store::kv::{KvError, KvStore};
    use edgezero_core::store::paging::{KeyPage, SortedPage};

    use super::{expiration_ttl, not_atomic, CALL_LIMIT};
    use crate::error::{kv_unavailable, BindingRef};

    /// A KV id bound to a Workers KV namespace.
    pub struct WorkersKv {
        kv: worker::KvStore,
        id: Arc<str>,
        binding: Arc<str>,
    }

    impl WorkersKv {
        /// The namespace bound as `binding` for store `id`.
        pub fn new(kv: worker::KvStore, id: Arc<str>, binding: Arc<str>) -> Self {
            WorkersKv { kv, id, binding }
        }

        fn fail(&self, what: &str, e: impl std::fmt::Display) -> KvError {
            let store = BindingRef {
                kind: StoreKind::Kv,
                id: &self.id,
                binding: &self.binding,
            };
            kv_unavailable(store, format!("Workers KV `{}` {what}: {e}", self.binding))
        }

        async fn put(&self, key: &str, value: &[u8], ttl: Option<u64>) -> Result<(), KvError> {
            let mut put = self
                .kv
                .put_bytes(key, value)
                .map_err(|e| self.fail("put", e))?;
            if let Some(secs) = ttl {
                put = put.expiration_ttl(secs);
            }
            put.execute().await.map_err(|e| self.fail("put", e))
        }
    }

    #[async_trait(?Send)]
    impl KvStore for WorkersKv {
        async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
            let value = self
                .kv
                .get(key)
                .bytes()
                .await
                .map_err(|e| self.fail("get", e))?;
            Ok(value.map(Bytes::from))
        }

        async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
            self.put(key, &value, None).await
        }

        async fn put_bytes_with_ttl(
            &self,
            key: &str,
            value: Bytes,
            ttl: Duration,
        ) -> Result<(), KvError> {
            let secs = expiration_ttl(ttl)?;
            self.put(key, &value, Some(secs)).await
        }

        async fn delete(&self, key: &str) -> Result<(), KvError> {
            self.kv
                .delete(key)
                .await
                .map_err(|e| self.fail("delete", e))
        }

        async fn exists(&self, key: &str) -> Result<bool, KvError> {
            Ok(self.get_bytes(key).await?.is_some())
        }

        async fn increment(&self, _key: &str, _delta: i64) -> Result<i64, KvError> {
            Err(not_atomic("increment", &self.id, &self.binding))
        }

        async fn compare_and_swap(
            &self,
            _key: &str,
            _expected: Option<&[u8]>,
            _new: Bytes,
        ) -> Result<bool, KvError> {
            Err(not_atomic("compare_and_swap", &self.id, &self.binding))
        }

        async fn list_keys_page(
            &self,
            prefix: &str,
            after: Option<&str>,
            limit: usize,
        ) -> Result<KeyPage, KvError> {
            let mut page = SortedPage::default();
            let mut cursor: Option<String> = None;
            loop {
                let mut list = self
                    .kv
                    .list()
                    .prefix(prefix.to_string())
                    .limit(CALL_LIMIT as u64);
                if let Some(c) = cursor.take() {
                    list = list.cursor(c);
                }
                let listed = list.execute().await.map_err(|e| self.fail("list", e))?;
                let done = listed.list_complete;
                if page.add(listed.keys.into_iter().map(|k| k.name), after, limit) || done {
                    break;
                }
                match listed.cursor {
                    Some(c) if !c.is_empty() => cursor = Some(c),
                    _ => break,
                }
            }
            Ok(page.finish(limit))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_are_whole_seconds_and_at_least_the_minimum() {
        assert_eq!(expiration_ttl(Duration::from_secs(60)).unwrap(), 60);
        assert_eq!(expiration_ttl(Duration::from_millis(60_001)).unwrap(), 61);
        let err = expiration_ttl(Duration::from_secs(5)).unwrap_err();
        assert!(
            matches!(&err, KvError::Validation(m) if m.contains("at least 60 s")),
            "{err}"
        );
    }

    #[test]
    fn atomics_on_workers_kv_are_501_naming_the_atomic_store() {
        let err = not_atomic("increment", "default", "COUNTS");
        let msg = err.to_string();
        assert!(
            msg.contains("`increment`") && msg.contains("`default`"),
            "{msg}"
        );
        assert!(
            msg.contains("name = \"COUNTS\", class_name = \"EdgeZeroAtomicKv\""),
            "{msg}"
        );
        let status = edgezero_core::EdgeError::from(err).status();
        assert_eq!(status.as_u16(), 501);
    }
}
