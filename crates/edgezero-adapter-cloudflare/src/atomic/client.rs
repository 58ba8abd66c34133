//! The worker's side of the atomic store: a [`KvStore`] that sends each operation to the
//! binding's one Durable Object.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_cloudflare_names::ATOMIC_KV_OBJECT;
use edgezero_core::env::StoreKind;
use edgezero_core::store::kv::{KvError, KvStore};
use edgezero_core::store::paging::KeyPage;
use worker::{Method, ObjectNamespace, Request, RequestInit, Stub};

use super::protocol::{unexpected, Entry, Maybe, Op, Reply};
use super::wire::{url_with, IN_URL_MAX, OBJECT_URL};
use crate::error::{kv_unavailable, BindingRef};

/// A KV id bound to the atomic store, opened for one request.
pub struct AtomicKv {
    namespace: ObjectNamespace,
    id: Arc<str>,
    binding: Arc<str>,
    /// The object's stub, got on the first operation and used by the request's later ones
    /// (a stub belongs to the request that got it: it is not kept across requests).
    stub: RefCell<Option<Rc<Stub>>>,
}

impl AtomicKv {
    /// The Durable Object namespace bound as `binding` for store `id`.
    pub fn new(namespace: ObjectNamespace, id: Arc<str>, binding: Arc<str>) -> Self {
        AtomicKv {
            namespace,
            id,
            binding,
            stub: RefCell::new(None),
        }
    }

    /// The request's stub: got on the first operation and kept for the next ones, dropped
    /// after a failed call (a stub that threw fails every later call).
    fn stub(&self) -> Result<Rc<Stub>, KvError> {
        if let Some(stub) = self.stub.borrow().as_ref() {
            return Ok(Rc::clone(stub));
        }
        let stub = self
            .namespace
            .id_from_name(ATOMIC_KV_OBJECT)
            .and_then(|id| id.get_stub())
            .map_err(|e| self.fail(e))?;
        let stub = Rc::new(stub);
        *self.stub.borrow_mut() = Some(Rc::clone(&stub));
        Ok(stub)
    }

    fn fail(&self, e: impl std::fmt::Display) -> KvError {
        let store = BindingRef {
            kind: StoreKind::Kv,
            id: &self.id,
            binding: &self.binding,
        };
        kv_unavailable(store, format!("atomic store `{}`: {e}", self.binding))
    }

    async fn call(&self, op: &Op) -> Result<Reply, KvError> {
        let bytes = op.encode();
        if in_url(op, &bytes) {
            match self.send(&bytes, true).await? {
                // An object still on a version that reads operations only from the body (a
                // deploy in progress): the same operation again, as a body.
                Reply::BadRequest(_) => {}
                reply => return Ok(reply),
            }
        }
        self.send(&bytes, false).await
    }

    async fn send(&self, op: &[u8], in_url: bool) -> Result<Reply, KvError> {
        let stub = self.stub()?;
        let sent = if in_url {
            stub.fetch_with_str(&url_with(op)).await
        } else {
            let body = js_sys::Uint8Array::from(op);
            let mut init = RequestInit::new();
            init.with_method(Method::Post).with_body(Some(body.into()));
            let req = Request::new_with_init(OBJECT_URL, &init).map_err(|e| self.fail(e))?;
            stub.fetch_with_request(req).await
        };
        let mut resp = sent.map_err(|e| {
            self.stub.borrow_mut().take();
            self.fail(e)
        })?;
        if resp.status_code() != 200 {
            let text = resp.text().await.unwrap_or_default();
            return Err(self.fail(format!("status {}: {text}", resp.status_code())));
        }
        let bytes = resp.bytes().await.map_err(|e| self.fail(e))?;
        Reply::decode(&bytes).map_err(|e| self.fail(e))
    }
}

/// Whether `op` (encoded as `bytes`) goes in the URL: small, and carrying no value — keys
/// only, since URLs end up in request logs (Workers Logs, Tail Workers, Logpush) and values
/// may be sessions or tokens.
fn in_url(op: &Op, bytes: &[u8]) -> bool {
    let keys_only = matches!(
        op,
        Op::Get { .. }
            | Op::Delete { .. }
            | Op::List { .. }
            | Op::Increment { .. }
            | Op::GetMany { .. }
            | Op::DeleteMany { .. }
    );
    keys_only && bytes.len() <= IN_URL_MAX
}

fn value(reply: Reply) -> Result<Option<Bytes>, KvError> {
    match reply {
        Reply::Value(Maybe(v)) => Ok(v.map(Bytes::from)),
        other => Err(unexpected(&other)),
    }
}

fn done(reply: Reply) -> Result<(), KvError> {
    match reply {
        Reply::Done => Ok(()),
        other => Err(unexpected(&other)),
    }
}

#[async_trait(?Send)]
impl KvStore for AtomicKv {
    async fn get_bytes(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        value(self.call(&Op::Get { key: key.into() }).await?)
    }

    async fn put_bytes(&self, key: &str, value: Bytes) -> Result<(), KvError> {
        let op = Op::Put {
            key: key.into(),
            value: value.to_vec(),
            ttl_ms: None,
        };
        done(self.call(&op).await?)
    }

    async fn put_bytes_with_ttl(
        &self,
        key: &str,
        value: Bytes,
        ttl: Duration,
    ) -> Result<(), KvError> {
        let op = Op::Put {
            key: key.into(),
            value: value.to_vec(),
            ttl_ms: Some(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)),
        };
        done(self.call(&op).await?)
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        done(self.call(&Op::Delete { key: key.into() }).await?)
    }

    async fn exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.get_bytes(key).await?.is_some())
    }

    async fn list_keys_page(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, KvError> {
        let op = Op::List {
            prefix: prefix.into(),
            after: after.map(str::to_string),
            limit,
        };
        match self.call(&op).await? {
            Reply::Keys { keys, more } => Ok(KeyPage { keys, more }),
            other => Err(unexpected(&other)),
        }
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let op = Op::Increment {
            key: key.into(),
            delta,
        };
        match self.call(&op).await? {
            Reply::Counter(n) => Ok(n),
            Reply::NotACounter => Err(KvError::NotACounter { key: key.into() }),
            Reply::Overflow => Err(KvError::Validation(format!(
                "incrementing `{}` by {delta} overflows a 64-bit counter",
                key.escape_debug()
            ))),
            other => Err(unexpected(&other)),
        }
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Bytes,
    ) -> Result<bool, KvError> {
        let op = Op::Cas {
            key: key.into(),
            expected: expected.map(<[u8]>::to_vec),
            new: new.to_vec(),
        };
        match self.call(&op).await? {
            Reply::Swapped(done) => Ok(done),
            other => Err(unexpected(&other)),
        }
    }

    async fn exchange_bytes(&self, key: &str, new: Bytes) -> Result<Option<Bytes>, KvError> {
        let op = Op::Exchange {
            key: key.into(),
            new: new.to_vec(),
        };
        value(self.call(&op).await?)
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Bytes>>, KvError> {
        match self
            .call(&Op::GetMany {
                keys: keys.to_vec(),
            })
            .await?
        {
            Reply::Values(vs) => Ok(vs.into_iter().map(|Maybe(v)| v.map(Bytes::from)).collect()),
            other => Err(unexpected(&other)),
        }
    }

    async fn set_many(&self, entries: Vec<(String, Bytes)>) -> Result<(), KvError> {
        let entries = entries
            .into_iter()
            .map(|(key, value)| Entry {
                key,
                value: value.to_vec(),
            })
            .collect();
        done(self.call(&Op::SetMany { entries }).await?)
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        done(
            self.call(&Op::DeleteMany {
                keys: keys.to_vec(),
            })
            .await?,
        )
    }
}
