//! Secret stores: named byte values that are never logged.

use std::rc::Rc;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

/// Everything that can go wrong with a secret store.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The name broke the platform's naming rule. HTTP 400.
    #[error("invalid secret name: {0}")]
    Validation(String),
    /// The store could not be reached. HTTP 503; the detail is logged.
    #[error("secret store is unavailable: {0}")]
    Unavailable(String),
    /// A handler asked for an id that `[stores.secrets]` does not declare. HTTP 500.
    #[error("no secret store `{0}` is declared; add it to [stores.secrets].ids in edgezero.toml")]
    UnknownStore(String),
    /// Any other backend failure. HTTP 500.
    #[error("secret backend error: {0}")]
    Internal(String),
}

/// A secret backend.
#[async_trait(?Send)]
pub trait SecretStore {
    /// The secret called `name`, if it is set. The backend applies its platform's naming rule
    /// (Spin lower-cases the name and checks it as a variable name): a name that breaks it is
    /// [`SecretError::Validation`], whose message says the rule.
    async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError>;

    /// How to set the secret `name` on this platform, for the message that says it is
    /// missing (e.g. which Spin variable to declare); `None` when there is nothing to add.
    fn how_to_set(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }
}

/// A secret store opened for one logical id.
#[derive(Clone)]
pub struct SecretHandle {
    id: Arc<str>,
    store: Rc<dyn SecretStore>,
}

impl SecretHandle {
    /// Wraps a backend opened for the logical id `id`.
    pub fn new(id: impl Into<Arc<str>>, store: Rc<dyn SecretStore>) -> Self {
        SecretHandle {
            id: id.into(),
            store,
        }
    }

    /// The logical store id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The secret's bytes, if set.
    pub async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError> {
        if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
            return Err(SecretError::Validation(
                "secret names are 1 to 256 characters without control characters".into(),
            ));
        }
        self.store.get_bytes(name).await
    }

    /// The secret as UTF-8 text, if set.
    pub async fn get_string(&self, name: &str) -> Result<Option<String>, SecretError> {
        match self.get_bytes(name).await? {
            Some(b) => String::from_utf8(b.to_vec())
                .map(Some)
                .map_err(|_| SecretError::Internal(format!("secret `{name}` is not UTF-8"))),
            None => Ok(None),
        }
    }

    /// How to set the secret `name` on the platform, as its backend says it.
    pub fn how_to_set(&self, name: &str) -> Option<String> {
        self.store.how_to_set(name)
    }

    /// Whether the secret is set (its value is not returned).
    pub async fn is_set(&self, name: &str) -> Result<bool, SecretError> {
        Ok(self.get_bytes(name).await?.is_some())
    }
}

impl std::fmt::Debug for SecretHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
