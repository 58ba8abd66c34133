//! Under `edgezero serve --adapter fastly`, the KV writes reported to the CLI, which keeps
//! them in the app's folder so that the stores outlive Viceroy (whose KV Stores live in
//! memory). The serve declares the backend [`LOCAL_STATE_BACKEND`]; a deployed service has
//! none, and this module does nothing there.
//!
//! Viceroy checks a write's generation and then writes under two separate locks, so two
//! concurrent conditional writes can both pass (an increment is then lost). Under the
//! serve, every write therefore holds a lock on its key, taken from the serve for the
//! duration of the write (`POST /lock/<store>/<key>`, released with `DELETE`, or by the
//! serve after a lease of a few seconds should the instance die holding it).
//!
//! After each write the item is read back and its state sent: `PUT /kv/<store>/<key>` with
//! the value, its metadata and generation, or `DELETE` when it is gone (store and key
//! percent-encoded). The CLI keeps, per key, the state of the highest generation, so
//! concurrent writers leave the last write.

use std::time::{SystemTime, UNIX_EPOCH};

use edgezero_fastly_names::LOCAL_STATE_BACKEND;
use fastly::kv_store::{KVStore, KVStoreError};
use fastly::{Backend, Request};

/// The local state backend of this run.
pub struct LocalState {
    backend: Backend,
}

/// Headers of a reported write.
pub const GENERATION_HEADER: &str = "x-edgezero-generation";
/// The item's metadata, when it has any.
pub const METADATA_HEADER: &str = "x-edgezero-metadata";

impl LocalState {
    /// The backend, when this run declares it.
    pub fn detect() -> Option<LocalState> {
        let backend = Backend::from_name(LOCAL_STATE_BACKEND).ok()?;
        backend.exists().then_some(LocalState { backend })
    }

    /// Reports the state of `key` in `store` (named `name`) after a write. Failures are
    /// logged: the write itself has succeeded.
    pub fn report(&self, store: &KVStore, name: &str, key: &str) {
        let url = format!(
            "http://edgezero-local-state/kv/{}/{}",
            encode(name),
            encode(key)
        );
        let request = match store.lookup(key) {
            Ok(mut item) => {
                let mut req = Request::put(url)
                    .with_header(GENERATION_HEADER, item.current_generation().to_string());
                if let Some(meta) = item.metadata() {
                    if let Ok(text) = std::str::from_utf8(&meta) {
                        req.set_header(METADATA_HEADER, text);
                    }
                }
                req.with_body(item.take_body_bytes())
            }
            Err(KVStoreError::ItemNotFound) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                Request::delete(url).with_header(GENERATION_HEADER, now.to_string())
            }
            Err(e) => {
                log::warn!("local state: `{key}` could not be read back to be kept: {e}");
                return;
            }
        };
        let mut request = request;
        request.set_pass(true);
        match request.send(&self.backend) {
            Ok(resp) if resp.get_status().is_success() => {}
            Ok(resp) => log::warn!(
                "local state: `edgezero serve` answered {} for `{key}`",
                resp.get_status()
            ),
            Err(e) => log::warn!("local state: `edgezero serve` is unreachable: {e}"),
        }
    }
}

/// A key's lock, held until dropped.
pub struct KeyLock<'a> {
    state: &'a LocalState,
    url: String,
    lease: String,
}

/// The lease of a lock, as the serve hands it out.
pub const LEASE_HEADER: &str = "x-edgezero-lease";

impl LocalState {
    /// Takes the lock of `key` in store `name`; `None` (logged) when the serve does not
    /// answer, and the write goes ahead unlocked.
    pub fn lock(&self, name: &str, key: &str) -> Option<KeyLock<'_>> {
        let url = format!(
            "http://edgezero-local-state/lock/{}/{}",
            encode(name),
            encode(key)
        );
        let mut req = Request::post(&url);
        req.set_pass(true);
        match req.send(&self.backend) {
            Ok(resp) if resp.get_status().is_success() => {
                let lease = resp.get_header_str(LEASE_HEADER)?.to_string();
                Some(KeyLock {
                    state: self,
                    url,
                    lease,
                })
            }
            Ok(resp) => {
                log::warn!(
                    "local state: lock of `{key}` refused ({})",
                    resp.get_status()
                );
                None
            }
            Err(e) => {
                log::warn!("local state: `edgezero serve` is unreachable: {e}");
                None
            }
        }
    }
}

impl Drop for KeyLock<'_> {
    fn drop(&mut self) {
        let mut req = Request::delete(&self.url).with_header(LEASE_HEADER, &self.lease);
        req.set_pass(true);
        if let Err(e) = req.send(&self.state.backend) {
            log::warn!("local state: a lock could not be released: {e}");
        }
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
