//! Runs an EdgeZero app as a Cloudflare Worker.
//!
//! The whole `src/lib.rs` of an app's Cloudflare crate is one line:
//!
//! ```ignore
//! edgezero_adapter_cloudflare::worker!(my_app_core::App);
//! ```
//!
//! The crate is a `cdylib` built for `wasm32-unknown-unknown`; `edgezero build --adapter
//! cloudflare` builds it, runs `wasm-bindgen` and writes the worker's entry module next to it
//! (`build/worker/`), and `edgezero serve --adapter cloudflare` runs it under `workerd`
//! (miniflare) with its stores on disk in the app's folder. See `docs/cloudflare.md`.
//!
//! # The stores
//!
//! | kind | on Workers | binding |
//! |---|---|---|
//! | `[stores.kv]` id | a **Workers KV namespace** (eventually consistent; `increment` and `compare_and_swap` answer 501) or the **atomic store** this crate ships (a Durable Object per binding, every operation exact) | the id, or `EDGEZERO__STORES__KV__<ID>__NAME` |
//! | `[stores.config]` id | a Workers KV namespace, keys read verbatim (`service.timeout_ms`) | the same rule |
//! | `[stores.secrets]` id | the Worker's secrets (`wrangler secret put`, locally `.dev.vars`), by the name as written | — |
//!
//! Which backend a KV id gets is decided by its binding's type in `wrangler.toml`: a
//! `[[kv_namespaces]]` binding is Workers KV, a `[[durable_objects.bindings]]` binding of class
//! `EdgeZeroAtomicKv` is the atomic store ([`edgezero_cloudflare_names`]). The CLI writes
//! one or the other from `[adapters.cloudflare] atomic_kv` in `edgezero.toml`.
//!
//! Workers KV's own limits are checked before anything is written, each a 400 naming the
//! limit: a TTL under 60 s; keys over 512 bytes and values over 25 MiB are the handle's own
//! rules on every platform. The atomic store keeps TTLs of any length (an expiry time
//! checked on read).
//!
//! # The request the app sees
//!
//! Method, URL, headers and a streamed body as the Worker received them; `ClientAddr` is the
//! `CF-Connecting-IP` header. Responses stream: each chunk of a streamed body goes out as the
//! app yields it, and every `Set-Cookie` of a response is sent.

// The helpers the worker uses are unit-tested on the host, where nothing else calls them.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod atomic;
mod config;
mod error;
mod kv;
mod request;
#[cfg(target_arch = "wasm32")]
mod response;
mod secrets;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
mod logging;
#[cfg(target_arch = "wasm32")]
mod provider;

pub use atomic::protocol;
pub use request::{client_addr, declared_length};

#[cfg(target_arch = "wasm32")]
pub use atomic::object::EdgeZeroAtomicKv;

/// What [`worker!`] expands to needs; not part of the API.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __private {
    pub use crate::entry::handle;
    pub use wasm_bindgen;
    pub use wasm_bindgen_futures;
    pub use web_sys;
    pub use worker;
}

/// Makes the crate a Cloudflare Worker that runs `App` (a type implementing
/// `edgezero_core::App`, usually the one `app!` generates): it exports the worker's `fetch`
/// handler (and, with this crate, the atomic store's Durable Object class).
///
/// ```ignore
/// edgezero_adapter_cloudflare::worker!(my_app_core::App);
/// ```
#[macro_export]
macro_rules! worker {
    ($app:ty) => {
        #[$crate::__private::wasm_bindgen::prelude::wasm_bindgen(
                                    wasm_bindgen = $crate::__private::wasm_bindgen,
                                    wasm_bindgen_futures = $crate::__private::wasm_bindgen_futures
                                )]
        pub async fn fetch(
            req: $crate::__private::web_sys::Request,
            env: $crate::__private::worker::Env,
            _ctx: $crate::__private::worker::worker_sys::Context,
        ) -> ::core::result::Result<
            $crate::__private::web_sys::Response,
            $crate::__private::wasm_bindgen::JsValue,
        > {
            $crate::__private::handle::<$app>(req, env).await
        }
    };
}
