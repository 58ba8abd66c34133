//! How a failure of a Cloudflare binding reaches the app: the one rule of this adapter, so
//! every store says the same thing for the same cause.

use edgezero_core::env::StoreKind;
use edgezero_core::store::config::ConfigError;
use edgezero_core::store::kv::KvError;

/// A store's binding, for messages.
#[derive(Debug, Clone, Copy)]
pub struct BindingRef<'a> {
    /// Which kind of store.
    pub kind: StoreKind,
    /// The logical id.
    pub id: &'a str,
    /// The binding name in `wrangler.toml`.
    pub binding: &'a str,
}

impl BindingRef<'_> {
    fn section(&self) -> &'static str {
        match self.kind {
            StoreKind::Kv => "kv",
            StoreKind::Config => "config",
            StoreKind::Secrets => "secrets",
        }
    }

    /// The binding is missing from the worker's environment: what to add to wrangler.toml.
    pub fn missing(&self) -> String {
        format!(
            "the worker has no binding `{}` for [stores.{}] id `{}`; add it to wrangler.toml (`edgezero provision --adapter cloudflare` writes it)",
            self.binding,
            self.section(),
            self.id
        )
    }
}

/// A KV binding that cannot be used: 503, the reason logged.
pub fn kv_unavailable(store: BindingRef<'_>, reason: String) -> KvError {
    KvError::Unavailable {
        store: store.id.to_string(),
        reason,
    }
}

/// A config binding that cannot be used: 503, the reason logged.
pub fn config_unavailable(store: BindingRef<'_>, reason: String) -> ConfigError {
    ConfigError::Unavailable {
        store: store.id.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binding_names_it_and_the_fix() {
        let r = BindingRef {
            kind: StoreKind::Kv,
            id: "default",
            binding: "CACHE",
        };
        let msg = r.missing();
        assert!(msg.contains("`CACHE`") && msg.contains("[stores.kv] id `default`"));
        assert!(msg.contains("edgezero provision --adapter cloudflare"));
    }
}
