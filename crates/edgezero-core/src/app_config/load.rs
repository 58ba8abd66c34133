//! Reading a typed config from the stores.

use bytes::Bytes;

use super::de::{DeError, Node, NodeDe};
use super::{ConfigSchema, SecretField, VERSION_KEY};
use crate::env::StoreKind;
use crate::error::EdgeError;
use crate::store::config::{ConfigError, ConfigHandle};
use crate::store::secrets::{secret_variable_name, SecretError, SecretHandle};
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
            _ => {
                return Err(LoadError::Content(format!(
                    "config entry `{}` names the secret `{name}`, which is not set; on Spin declare the variable `{var}` in spin.toml and give it a value, natively set SPIN_VARIABLE_{upper}",
                    field.key,
                    name = name.escape_debug(),
                    var = name.to_ascii_lowercase().escape_debug(),
                    upper = name.to_ascii_uppercase().escape_debug(),
                )))
            }
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

async fn read_secret(
    store: &SecretHandle,
    field: &SecretField,
    name: &str,
) -> Result<Option<String>, LoadError> {
    let variable = secret_variable_name(name)
        .map_err(|e| LoadError::Content(format!("config entry `{}`: {e}", field.key)))?;
    let bytes: Option<Bytes> = store.get_bytes(&variable).await?;
    bytes
        .map(|b| {
            String::from_utf8(b.to_vec()).map_err(|_| {
                LoadError::Content(format!(
                    "config entry `{}` names the secret `{variable}`, whose value is not UTF-8 text",
                    field.key
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
