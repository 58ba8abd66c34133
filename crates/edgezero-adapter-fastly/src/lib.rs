//! Runs an EdgeZero app on Fastly Compute.
//!
//! The whole `src/main.rs` of an app's Fastly crate is one line:
//!
//! ```ignore
//! edgezero_adapter_fastly::main!(my_app_core::App);
//! ```
//!
//! The crate is a binary built for `wasm32-wasip1`; `edgezero build --adapter fastly` builds
//! it into `bin/main.wasm` next to its `fastly.toml`, `edgezero serve --adapter fastly` runs
//! it under Viceroy (Fastly's local runtime) with its stores kept in the app's folder, and
//! `edgezero deploy --adapter fastly` publishes it with the Fastly CLI. See `docs/fastly.md`.
//!
//! # The stores
//!
//! | kind | on Fastly | name |
//! |---|---|---|
//! | `[stores.kv]` id | a **KV Store**; `increment`, `compare_and_swap` and updates are exact (an insert that matches the generation read, retried when another writer won) | the id, or `EDGEZERO__STORES__KV__<ID>__NAME` |
//! | `[stores.config]` id | a **Config Store**, keys read verbatim (`service.timeout_ms`); a typed config reads the index entry `edgezero.entries` that `edgezero config push --adapter fastly` writes | the same rule |
//! | `[stores.secrets]` id | a **Secret Store** | the same rule |
//!
//! `EDGEZERO__*` settings are entries of the Config Store `edgezero_settings`
//! ([`edgezero_fastly_names::SETTINGS_STORE`]); without it every setting has its default.
//!
//! Fastly's own limits are checked before anything is written, each a 400 naming the
//! limit: KV keys must not contain CR, LF, `#`, `;`, `?`, `^` or `|`, nor a `.` or `..`
//! segment ([`edgezero_fastly_names::kv_key_problem`]). A TTL is kept twice: as the KV
//! Store's own time to live (which removes the item eventually) and as an expiry time in
//! the item's metadata, checked on every read, so an expired value is never read.
//!
//! # The request the app sees
//!
//! Method, path and query, headers and a streamed body as the client sent them;
//! `ClientAddr` is the platform's client IP. Responses stream: each chunk of a streamed
//! body goes out as the app yields it, and every `Set-Cookie` is sent.
//!
//! # Outbound requests
//!
//! A request to `https://api.example.com/x` goes through the backend named after its host
//! (`api.example.com`) when the service declares one, else through a dynamic backend the
//! adapter registers for `host:port` (TLS for https, the host checked against its
//! certificate). Where dynamic backends are not enabled the request is a 502 naming the
//! backend to declare. `EDGEZERO__HTTP__TIMEOUT_MS` is the backend's first-byte and
//! between-bytes timeout (504 when it passes). Responses of backends are never cached by
//! Fastly's cache (the requests are sent with `pass`).
//!
//! # Execution
//!
//! Fastly runs one instance per request, and every platform call blocks: the app's
//! future runs on a small executor here whose only waits are timers
//! (`edgezero_core::timer`, e.g. SSE keep-alives and the timeout middleware).

// The helpers the app uses are unit-tested on the host, where nothing else calls them.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod executor;
mod expiry;
mod outbound;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod kv;
#[cfg(target_arch = "wasm32")]
mod local_state;
#[cfg(target_arch = "wasm32")]
mod provider;
#[cfg(target_arch = "wasm32")]
mod request;
#[cfg(target_arch = "wasm32")]
mod response;
#[cfg(target_arch = "wasm32")]
mod secrets;
#[cfg(target_arch = "wasm32")]
mod settings;

pub use executor::block_on;

/// What [`main!`] expands to needs; not part of the API.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __private {
    pub use crate::entry::run;
}

/// Makes the crate's binary a Fastly Compute app that runs `App` (a type implementing
/// `edgezero_core::App`, usually the one `app!` generates).
///
/// ```ignore
/// edgezero_adapter_fastly::main!(my_app_core::App);
/// ```
#[macro_export]
macro_rules! main {
    ($app:ty) => {
        fn main() {
            $crate::__private::run::<$app>()
        }
    };
}
