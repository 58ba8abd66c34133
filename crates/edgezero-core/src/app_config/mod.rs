//! Typed configuration: `#[derive(AppConfig)]` and the [`AppConfig<C>`] extractor.
//!
//! A struct of settings is read from the default config store (`[stores.config]`), with
//! `#[secret]` fields filled from the default secret store (`[stores.secrets]`):
//!
//! ```
//! use edgezero_core::{AppConfig, Router};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, AppConfig)]
//! struct Settings {
//!     service: Service,            // a nested table: service.timeout_ms, service.base_url
//!     #[secret]
//!     api_token: String,           // the entry holds the secret's NAME, the field its value
//!     #[secret]
//!     webhook_key: Option<String>, // an optional secret
//! }
//!
//! #[derive(Deserialize)]
//! struct Service {
//!     timeout_ms: u64,
//!     base_url: String,
//! }
//!
//! async fn handler(AppConfig(s): AppConfig<Settings>) -> String {
//!     let hook = if s.webhook_key.is_some() { "on" } else { "off" };
//!     format!("{} ms to {}, token of {} bytes, webhook {hook}",
//!         s.service.timeout_ms, s.service.base_url, s.api_token.len())
//! }
//!
//! // The same app against in-memory stores (edgezero-testkit):
//! use edgezero_core::store::{StoreIds, StoreMetadata};
//! use edgezero_testkit::{MemoryConfig, MemoryProvider, MemorySecrets, TestApp};
//!
//! let stores = StoreMetadata {
//!     config: StoreIds { ids: &["app_config"], default: None },
//!     secrets: StoreIds { ids: &["default"], default: None },
//!     ..StoreMetadata::NONE
//! };
//! let provider = MemoryProvider::new()
//!     .with_config("app_config", MemoryConfig::new([
//!         ("service.timeout_ms", "2500"),
//!         ("service.base_url", "https://api.example.com"),
//!         ("api_token", "api_token"),
//!     ]))
//!     .with_secrets("default", MemorySecrets::new([("api_token", "s3cr3t")]));
//! let app = TestApp::with_stores(Router::new().get("/", handler), &stores, &|_| None)
//!     .with_provider(provider);
//! assert_eq!(app.get("/").text(), "2500 ms to https://api.example.com, token of 6 bytes, webhook off");
//! ```
//!
//! ## From entries to a struct
//!
//! The config file pushed by `edgezero config push` is flattened into dotted keys
//! (`[service] timeout_ms = 2500` is the entry `service.timeout_ms`). The extractor reads
//! every entry of the default config store, rebuilds the tables from the dots and
//! deserialises `C` with serde. Values are text in the store and are parsed as the field
//! asks: numbers, `true`/`false`, strings; arrays (and arrays of tables, and enums with data)
//! are JSON, as `config push` writes them; a unit enum variant is its name. Nested structs,
//! `Option` (absent entry → `None`), `#[serde(default)]`, `rename`, `rename_all` and
//! `deny_unknown_fields` work as serde makes them work. A nested struct without secrets needs
//! only `Deserialize`; one with `#[secret]` fields derives `AppConfig` too.
//!
//! ## Secrets
//!
//! A `#[secret]` field is `String` or `Option<String>`. Its config entry holds the secret's
//! *name* (`api_token = "API_TOKEN"`); the field receives the value the default secret store
//! gives for that name. The store applies its platform's naming rule: on Spin, and natively
//! (which reads Spin's variables from the environment), the name is lower-cased and must be
//! a valid Spin variable name, so `API_TOKEN` reads the variable `api_token`, natively
//! `SPIN_VARIABLE_API_TOKEN`.
//! A required secret that is not set is an error; an optional one that is not set, or set to
//! the empty string (spin.toml's `default = ""`), is `None`. The secret store is opened only
//! when a secret is read.
//!
//! The derive rejects at compile time: `#[secret]` on another type, `#[secret(...)]` with
//! arguments, serde's `alias`, `skip`, `with`, `deserialize_with`, ... on a secret (only
//! `rename` and `default` are kept, and the key a secret sits under follows `rename` and
//! `rename_all`), `#[serde(flatten)]` anywhere (entries are dotted keys), and generic structs.
//! [`ConfigSchema::secret_fields`] lists the secrets with their dotted keys.
//!
//! `edgezero config validate --strict` reads the same attributes from the project's sources
//! (with `edgezero-config-schema`, the crate the derive uses) and checks every secret name in
//! the config file: a valid Spin variable name once lower-cased, no two names that differ only
//! in case, declared in spin.toml's `[variables]` and mapped in the component's `variables`.
//!
//! ## Caching and reload
//!
//! `C` is loaded once per process (native) or component instance (Spin) and kept, per type,
//! as long as the adapter's store bindings. Each request that takes `AppConfig<C>` costs one
//! read of the entry [`VERSION_KEY`] (`config.version`); when its value differs from the one
//! `C` was loaded with (or appears, or disappears), `C` is read again. So after
//! `edgezero config push`, change `[config] version = ...` in the config file to make
//! running instances pick up the new entries (and new secret values) at their next request;
//! without it they keep what they read until they restart. `config.version` is reserved: it
//! is not part of the entries `C` sees.
//!
//! That read can be spaced out: with `EDGEZERO__CONFIG__VERSION_CHECK_MS=1000`, a loaded `C`
//! is used for up to a second after it was loaded or its version last read, and a pushed
//! change shows within that time instead of at the next request (0, the default, reads it on
//! every request). Worth it for handlers on a hot path, such as a proxy.
//!
//! ## Errors
//!
//! A missing required entry, a value of the wrong type, an entry that is a table where a value
//! is expected, or a required secret that is not set is a **503** whose message names the
//! dotted key (``config entry `service.timeout_ms` is missing``) and never a secret's value. It
//! is logged once when the load fails; the failure is kept and answered without reading the
//! store again until `config.version` changes or [`RETRY_AFTER_FAILURE`] has passed. A store
//! that cannot be read answers with that store's own status and is retried at the next
//! request.

mod de;
mod load;

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::extract::FromRequestParts;

pub use de::join_key;

/// The config entry whose change makes every instance read its typed configs again.
pub const VERSION_KEY: &str = "config.version";

/// How long a failed load is answered from the cache before the store is read again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// A `#[secret]` field of a config type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretField {
    /// Its dotted config key, e.g. `service.api_key`.
    pub key: String,
    /// The field is `Option<String>`.
    pub optional: bool,
}

/// A config type: implemented by `#[derive(AppConfig)]`.
pub trait ConfigSchema: DeserializeOwned + Send + Sync + 'static {
    /// The keys of this struct's own `#[secret]` fields (nested structs not included).
    const OWN_SECRETS: &'static [&'static str];

    /// Appends every `#[secret]` field, nested structs included, with its key below `prefix`.
    fn collect_secret_fields(prefix: &str, out: &mut Vec<SecretField>);

    /// Every `#[secret]` field with its dotted key.
    fn secret_fields() -> Vec<SecretField> {
        let mut out = Vec::new();
        Self::collect_secret_fields("", &mut out);
        out
    }
}

/// The typed config `C`, read from the default config and secret stores (see the module
/// docs). Dereferences to `C`.
#[derive(Debug)]
pub struct AppConfig<C>(pub Arc<C>);

impl<C> Clone for AppConfig<C> {
    fn clone(&self) -> Self {
        AppConfig(Arc::clone(&self.0))
    }
}

impl<C> Deref for AppConfig<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C: ConfigSchema> FromRequestParts for AppConfig<C> {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        let stores = ctx.stores().clone();
        let cache = stores.bindings().map(|b| b.typed_config().clone());
        if let Some(cache) = &cache {
            cache
                .check_every()
                .map_err(|e| EdgeError::unavailable(e.to_string()))?;
            if let Some(value) = cache.fresh::<C>() {
                return Ok(AppConfig(value));
            }
        }
        let config = stores.default_config().await?;
        let version = config.get(VERSION_KEY).await?;
        if let Some(hit) = cache
            .as_ref()
            .and_then(|c| c.lookup::<C>(&version, RETRY_AFTER_FAILURE))
        {
            return hit.map(AppConfig).map_err(EdgeError::unavailable);
        }
        match load::load::<C>(&config, &stores).await {
            Ok(value) => {
                let value = Arc::new(value);
                if let Some(cache) = &cache {
                    cache.store::<C>(version, Ok(Arc::clone(&value)));
                }
                Ok(AppConfig(value))
            }
            Err(load::LoadError::Store(e)) => Err(e),
            Err(load::LoadError::Content(message)) => {
                log::error!(
                    "cannot load the typed config {}: {message}",
                    std::any::type_name::<C>()
                );
                if let Some(cache) = &cache {
                    cache.store::<C>(version, Err(message.clone()));
                }
                Err(EdgeError::unavailable(message))
            }
        }
    }
}

/// The autoref dispatch `#[derive(AppConfig)]` uses for each non-secret field: a field type
/// that implements [`ConfigSchema`] adds its secrets under the field's key ([`ViaSchema`]),
/// any other type adds none ([`ViaLeaf`], found only one auto-reference later).
#[doc(hidden)]
pub mod probe {
    use std::marker::PhantomData;

    use super::{join_key, ConfigSchema, SecretField};

    pub struct Probe<T: ?Sized>(PhantomData<fn() -> Box<T>>);

    impl<T: ?Sized> Probe<T> {
        #[allow(clippy::new_without_default)]
        pub const fn new() -> Self {
            Probe(PhantomData)
        }
    }

    pub trait ViaSchema {
        fn collect_nested(&self, prefix: &str, key: &str, out: &mut Vec<SecretField>);
    }

    impl<T: ConfigSchema> ViaSchema for Probe<T> {
        fn collect_nested(&self, prefix: &str, key: &str, out: &mut Vec<SecretField>) {
            T::collect_secret_fields(&join_key(prefix, key), out);
        }
    }

    pub trait ViaLeaf {
        fn collect_nested(&self, _prefix: &str, _key: &str, _out: &mut Vec<SecretField>) {}
    }

    impl<T: ?Sized> ViaLeaf for &Probe<T> {}
}
