//! The atomic store: a KV id bound to the Durable Object class this crate ships
//! ([`edgezero_cloudflare_names::ATOMIC_KV_CLASS`]). One object per binding holds the store in
//! its SQLite storage; the worker sends it one [`protocol::Op`] per call. An object runs one
//! request's synchronous code at a time and each operation is applied without an `await`,
//! so `increment`, `compare_and_swap`, `exchange` and batches are exact under any number of
//! concurrent requests; the runtime holds the object's answer until its writes are durable.
//! Expiry is a time stored with the value and checked on read, so any TTL works.

pub mod protocol;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod client;
// `#[durable_object]` writes undocumented glue methods.
#[cfg(target_arch = "wasm32")]
#[allow(missing_docs)]
pub mod object;
