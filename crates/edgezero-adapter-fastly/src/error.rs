//! How a failure of a Fastly store reaches the app: the one rule of this adapter, so every
//! store says the same thing for the same cause.

use edgezero_core::env::StoreKind;
use edgezero_core::store::config::ConfigError;
use edgezero_core::store::kv::KvError;
use edgezero_core::store::secrets::SecretError;
use fastly::kv_store::KVStoreError;

/// A store of the service, for messages.
#[derive(Debug, Clone, Copy)]
pub struct StoreRef<'a> {
    /// Which kind of store.
    pub kind: StoreKind,
    /// The logical id.
    pub id: &'a str,
    /// The store's name on Fastly.
    pub name: &'a str,
}

impl StoreRef<'_> {
    fn what(&self) -> (&'static str, &'static str) {
        match self.kind {
            StoreKind::Kv => ("kv", "KV Store"),
            StoreKind::Config => ("config", "Config Store"),
            StoreKind::Secrets => ("secrets", "Secret Store"),
        }
    }

    /// The service has no such store: what to link.
    pub fn missing(&self) -> String {
        let (section, platform) = self.what();
        format!(
            "the service has no {platform} `{}` for [stores.{section}] id `{}`; link one to the service (locally: `edgezero provision --adapter fastly` writes it into fastly.toml)",
            self.name, self.id
        )
    }
}

/// A KV store that cannot be used: 503, the reason logged.
pub fn kv_unavailable(store: StoreRef<'_>, reason: String) -> KvError {
    KvError::Unavailable {
        store: store.id.to_string(),
        reason,
    }
}

/// What a KV Store error means for the app: a key the platform refuses is the client's
/// mistake (400); anything else makes the store unavailable (503).
pub fn kv_failure(store: StoreRef<'_>, what: &str, key: &str, e: KVStoreError) -> KvError {
    match e {
        KVStoreError::InvalidKey | KVStoreError::ItemBadRequest => KvError::Validation(format!(
            "the Fastly KV Store `{}` refused key `{}` ({what})",
            store.name,
            key.escape_debug()
        )),
        KVStoreError::ItemPayloadTooLarge => KvError::Validation(format!(
            "the value of `{}` is larger than the Fastly KV Store `{}` takes",
            key.escape_debug(),
            store.name
        )),
        other => kv_unavailable(
            store,
            format!("Fastly KV Store `{}` {what}: {other}", store.name),
        ),
    }
}

/// A config store that cannot be used: 503, the reason logged.
pub fn config_unavailable(store: StoreRef<'_>, reason: String) -> ConfigError {
    ConfigError::Unavailable {
        store: store.id.to_string(),
        reason,
    }
}

/// A secret store that cannot be used: 503, the reason logged.
pub fn secrets_unavailable(store: StoreRef<'_>, reason: String) -> SecretError {
    SecretError::Unavailable(format!("`{}`: {reason}", store.id))
}
