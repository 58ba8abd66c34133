//! Reading a typed config from the stores.

use bytes::Bytes;

use super::de::{DeError, Node, NodeDe};
use super::{ConfigSchema, SecretField, VERSION_KEY};
use crate::env::StoreKind;
use crate::error::EdgeError;
use crate::store::config::{ConfigError, ConfigHandle};
use crate::store::secrets::{SecretError, SecretHandle};
use crate::store::Stores;

/// Why a load failed.
pub(crate) enum LoadError {
    /// A store could not be read: answered with the store's own status, not cached.
    Store(EdgeError),
    /// The entries or secrets do not make a `C`: a 503 naming the key, cached.
    Content(String),
}

macro_rules! store_errors {
    ($($ty:ty),*) => {$(
        impl From<$ty> for LoadError {
            fn from(e: $ty) -> Self {
                LoadError::Store(e.into())
            }
        }
    )*};
}

store_errors!(EdgeError, ConfigError, SecretError);

/// Reads every entry of `config`, replaces each `#[secret]` entry by the secret it names,
/// and deserialises the result.
pub(crate) async fn load<C: ConfigSchema>(
    config: &ConfigHandle,
    stores: &Stores,
) -> Result<C, LoadError> {
    let entries = config.entries().await?;
    let mut root = Node::from_entries(entries.into_iter().filter(|(k, _)| k != VERSION_KEY));
    let secret_fields = C::secret_fields();
    let mut secrets: Option<SecretHandle> = None;
    for field in &secret_fields {
        let Some(name) = root.get_mut(&field.key).and_then(|n| n.value.clone()) else {
            continue; // absent: serde reports a required field as missing
        };
        let store = match &secrets {
            Some(s) => s.clone(),
            None => {
                let s = open_secrets(stores, field).await?;
                secrets = Some(s.clone());
                s
            }
        };
        match read_secret(&store, field, &name).await? {
            Some(value) if !(field.optional && value.is_empty()) => {
                if let Some(node) = root.get_mut(&field.key) {
                    node.value = Some(value);
                    node.secret = true;
                }
            }
            // An optional secret that is unset or empty (`default = ""` in spin.toml) is None.
            _ if field.optional => root.remove_value(&field.key),
            _ => return Err(LoadError::Content(unset_message(&store, field, &name))),
        }
    }
    C::deserialize(NodeDe::root(&root)).map_err(|e| LoadError::Content(message(e, &secret_fields)))
}

async fn open_secrets(stores: &Stores, field: &SecretField) -> Result<SecretHandle, LoadError> {
    let declared = stores
        .bindings()
        .is_some_and(|b| b.default_binding(StoreKind::Secrets).is_some());
    if !declared {
        return Err(LoadError::Content(format!(
            "config entry `{}` is a #[secret] field, but the app has no default secret store; declare [stores.secrets] ids = [\"default\"] in edgezero.toml",
            field.key
        )));
    }
    Ok(stores.default_secrets().await?)
}

/// A required secret that is not set: the entry, the name, and how to set it as the secret
/// store's platform says it.
fn unset_message(store: &SecretHandle, field: &SecretField, name: &str) -> String {
    let how = store
        .how_to_set(name)
        .unwrap_or_else(|| "set it in the app's secret store".to_string());
    format!(
        "config entry `{}` names the secret `{}`, which is not set; {how}",
        field.key,
        name.escape_debug(),
    )
}

async fn read_secret(
    store: &SecretHandle,
    field: &SecretField,
    name: &str,
) -> Result<Option<String>, LoadError> {
    // The store applies its platform's naming rule; a name that breaks it is the config
    // entry's mistake, reported with the entry's key.
    let bytes: Option<Bytes> = match store.get_bytes(name).await {
        Err(e @ SecretError::Validation(_)) => {
            return Err(LoadError::Content(format!(
                "config entry `{}`: {e}",
                field.key
            )))
        }
        other => other?,
    };
    bytes
        .map(|b| {
            String::from_utf8(b.to_vec()).map_err(|_| {
                LoadError::Content(format!(
                    "config entry `{}` names the secret `{}`, whose value is not UTF-8 text",
                    field.key,
                    name.escape_debug()
                ))
            })
        })
        .transpose()
}

fn message(e: DeError, secret_fields: &[SecretField]) -> String {
    let key = e.key.as_deref().unwrap_or_default();
    let is_secret = secret_fields.iter().any(|f| f.key == key);
    match (key, e.missing) {
        ("", _) => format!("the config entries are invalid: {}", e.message),
        (key, true) => format!("config entry `{key}` is missing; add it to the config file and push it: `edgezero config push --adapter native` for the native server, `edgezero config push --adapter spin --local` for Spin"),
        (key, false) if is_secret => format!("config entry `{key}` is invalid (the secret's value cannot be read as the field's type)"),
        (key, false) => format!("config entry `{key}` is invalid: {}", e.message),
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use async_trait::async_trait;

    use super::*;
    use crate::store::secrets::SecretStore;

    /// A platform whose secret names are lower-case letters, with its own hint.
    struct Ruled;

    #[async_trait(?Send)]
    impl SecretStore for Ruled {
        async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError> {
            if !name.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(SecretError::Validation(format!("`{name}`: use a-z only")));
            }
            Ok((name == "set").then(|| Bytes::from_static(b"v")))
        }

        fn how_to_set(&self, name: &str) -> Option<String> {
            Some(format!("run `ruled set {name}`"))
        }
    }

    fn field() -> SecretField {
        SecretField {
            key: "service.token".into(),
            optional: false,
        }
    }

    #[test]
    fn the_store_applies_its_platforms_rule_and_names_how_to_set_a_secret() {
        let store = SecretHandle::new("default", Rc::new(Ruled));
        let read = |name: &str| futures_executor::block_on(read_secret(&store, &field(), name));
        assert_eq!(read("set").ok().flatten().as_deref(), Some("v"));
        assert_eq!(read("unset").ok().flatten(), None);
        match read("Bad-Name") {
            Err(LoadError::Content(msg)) => assert_eq!(
                msg,
                "config entry `service.token`: invalid secret name: `Bad-Name`: use a-z only"
            ),
            _ => panic!("a name the platform refuses is the entry's mistake"),
        }
        assert_eq!(
            unset_message(&store, &field(), "unset"),
            "config entry `service.token` names the secret `unset`, which is not set; run `ruled set unset`"
        );
    }
}
