//! # EdgeZero on Fermyon Spin
//!
//! Runs an EdgeZero app as a Spin (`wasm32-wasip2`) component. The whole `src/lib.rs` of a
//! component crate (what `edgezero new` writes; the crate also depends on `spin-sdk` and
//! `anyhow`) is:
//!
//! ```ignore
//! use edgezero_adapter_spin::http_service;
//! use spin_sdk::http::{IntoResponse, Request};
//!
//! #[http_service]
//! async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
//!     edgezero_adapter_spin::run_app::<my_app_core::App>(req).await
//! }
//! ```
//!
//! `http_service` is spin-sdk's `#[http_service]` with the request built by this crate
//! instead of spin-sdk's conversion (which goes through `http::request::Builder` and parses
//! and copies every header name); `run_app` answers with the `wasi:http` response itself.
//! The function may do more than run the app. spin-sdk's own `#[http_service]` works too,
//! at about 12 % more instructions per request. The shortest form exports the same handler
//! for an app alone:
//!
//! ```ignore
//! edgezero_adapter_spin::component!(my_app_core::App);
//! ```
//!
//! Both forms cost the same per request (within 2 % in the in-process bench,
//! docs/benchmarks.md). (`ignore` only because `spin-sdk` builds for `wasm32` alone; the
//! examples' `*-adapter-spin` crates contain exactly these — `kv-api` the first, the others
//! the second — and are built as components in CI.)
//!
//! The app reads the store ids baked into `App` by `app!` and the `EDGEZERO__*` variables
//! of the component's environment (`[component.<id>].environment` in spin.toml); no
//! `edgezero.toml` is read at runtime. See `docs/spin.md` for spin.toml and
//! runtime-config.toml.
//!
//! | store | Spin backing | module |
//! |---|---|---|
//! | `[stores.kv]` id | key-value label `EDGEZERO__STORES__KV__<ID>__NAME` or the id | [`kv`] |
//! | `[stores.config]` id | its own key-value label, keys verbatim | [`config`] |
//! | `[stores.secrets]` | component variables, names lower-cased | [`secrets`] |
//!
//! Two Spin constraints: TTL writes return `KvError::Unsupported` (HTTP 501) and write
//! nothing; listings are built client-side and capped at `max_list_keys` (default 1000,
//! `EDGEZERO__STORES__KV__<ID>__MAX_LIST_KEYS`), over which they fail with
//! `KvError::LimitExceeded` (HTTP 503).
//!
//! ## The request the app sees
//!
//! Spin adds its own headers to every request (`spin-full-url`, `spin-path-info`,
//! `spin-matched-route`, `spin-base-path`, `spin-raw-component-route`,
//! `spin-component-route`, `spin-client-addr`, `spin-path-match-<name>`). Both entry points
//! take every `spin-*` header out before the app runs, so portable code never depends on
//! one:
//!
//! - `spin-client-addr` (`ip:port`) becomes core's
//!   [`ClientAddr`](edgezero_core::extract::ClientAddr), as the native server's TCP peer
//!   does;
//! - all of them, typed, are in a [`SpinRequestInfo`] request extension, for Spin-specific
//!   code: `Extension<SpinRequestInfo>` gives the full URL, the matched route, the base path,
//!   the path info and the route's parameters.
//!
//! ## Cargo features
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `wasi-keyvalue` | **on** | imports `wasi:keyvalue@0.2.0-draft2` (Spin 4) for atomic `increment` / `compare_and_swap` and one-call batches, and does every other key-value operation through it too, so that the component does not import `spin:key-value`; see [`kv::atomic`] |
//! | `outbound-http` | off | gives handlers `edgezero_core::fetch::Client` over Spin's `wasi:http` client (imports it); without it `Client` answers 501 |
//!
//! Counting is atomic on Spin by default. A Spin runtime without `wasi:keyvalue/atomics`
//! refuses to load a component that imports it: Fermyon Cloud documents no `wasi:keyvalue`
//! support, and Fermyon Wasm Functions / Akamai Functions only `wasi:keyvalue/store` and
//! `batch`. For those, opt out:
//!
//! ```toml
//! [dependencies]
//! edgezero-adapter-spin = { version = "0.1", default-features = false }
//! ```
//!
//! The component then imports `spin:key-value` instead, and `increment`, `counter`,
//! `compare_and_swap` and `update_json` return `KvError::Unsupported` (HTTP 501, "operation
//! `increment` is not supported by this platform's key-value store"). `edgezero config
//! validate --strict` warns, and `edgezero deploy --adapter spin` refuses, when the built
//! component imports `wasi:keyvalue/atomics` and the deploy command targets one of them.
//!
//! `get_many` / `set_many` / `delete_many` work either way (one key at a time without it).
//! The feature changes only the `wasm32` build; host tests always run the atomic logic.
//!
//! ## Layout
//!
//! Everything except `run_app`, `http_service` and [`component!`] is plain Rust, generic over
//! [`provider::SpinHost`] (open a label, read a variable) and [`kv::KvBackend`] /
//! [`kv::BucketBackend`] (one label's `spin:key-value` store and `wasi:keyvalue` bucket),
//! and unit-tested on the host with fakes. The `spin_sdk` implementation of that trait and
//! the entry points live in one module compiled only for `wasm32`.

#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod kv;
/// The stderr logger Spin captures per component (shared with the Fastly adapter).
pub use edgezero_core::logging;
pub mod provider;
pub mod request;
pub mod response;
pub mod secrets;

#[cfg(target_arch = "wasm32")]
mod component;
#[cfg(target_arch = "wasm32")]
pub use component::run_app;

/// Exports the `async fn` it is put on as the component's `wasi:http` handler, like
/// spin-sdk's `#[http_service]` (same signature: one `spin_sdk::http::Request`, a result
/// that is `spin_sdk::http::IntoResponse`), with the request built as [`component!`]
/// builds it — about 11 % fewer instructions per counter request than spin-sdk's
/// conversion — and Spin's `spin-*` headers already taken out (they are in the request's
/// extensions as a [`SpinRequestInfo`], with core's `ClientAddr`).
///
/// ```ignore
/// use edgezero_adapter_spin::http_service;
/// use spin_sdk::http::{IntoResponse, Request};
///
/// #[http_service]
/// async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
///     edgezero_adapter_spin::run_app::<my_app_core::App>(req).await
/// }
/// ```
#[cfg(target_arch = "wasm32")]
pub use edgezero_macros::spin_http_service as http_service;

/// What [`component!`] and `http_service` expand to needs; not part of the API.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __private {
    pub use crate::component::{handle, sdk_request};
    pub use spin_sdk;
}

/// Makes the crate a Spin HTTP component that runs `App` (a type implementing
/// `edgezero_core::App`, usually the one `app!` generates): the whole `src/lib.rs` of a
/// component crate is
///
/// ```ignore
/// edgezero_adapter_spin::component!(my_app_core::App);
/// ```
///
/// It exports the `wasi:http` handler and builds the core request from the `wasi:http`
/// request itself (Spin's `spin-*` headers taken out without being parsed as header names,
/// the head assembled in place), as `http_service` + `run_app` do.
#[macro_export]
macro_rules! component {
    ($app:ty) => {
        const _: () = {
            struct Component;

            $crate::__private::spin_sdk::wasip3::http::service::export!(Component);

            impl $crate::__private::spin_sdk::wasip3::exports::http::handler::Guest for Component {
                async fn handle(
                    request: $crate::__private::spin_sdk::wasip3::http::types::Request,
                ) -> ::core::result::Result<
                    $crate::__private::spin_sdk::wasip3::http::types::Response,
                    $crate::__private::spin_sdk::wasip3::http::types::ErrorCode,
                > {
                    $crate::__private::handle::<$app>(request).await
                }
            }
        };
    };
}

pub use error::{map_kv_error, SpinKvError};
pub use kv::SpinHost;
pub use provider::SpinProvider;
pub use request::SpinRequestInfo;
