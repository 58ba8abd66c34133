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
    /// The secret called `name`, if it is set.
    async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError>;
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

/// Spin's rule for a variable name, checked when a component reads one and when an app is
/// loaded: `^[a-z](_?[a-z0-9])*$` — lower-case ASCII letters and digits, starting with a
/// letter, with single underscores between them (no `__`, no trailing `_`).
///
/// This is the one copy of the rule: the Spin adapter, the native adapter (which reads
/// `SPIN_VARIABLE_<NAME>`), the embedded host and `edgezero config validate` all call it.
pub fn is_spin_variable_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_lowercase) {
        return false;
    }
    let mut after_underscore = false;
    for &b in &bytes[1..] {
        match b {
            b'_' if after_underscore => return false,
            b'_' => after_underscore = true,
            b'a'..=b'z' | b'0'..=b'9' => after_underscore = false,
            _ => return false,
        }
    }
    !after_underscore
}

/// The rule of [`is_spin_variable_name`], as written in messages.
pub const SPIN_VARIABLE_NAME_RULE: &str =
    "lower-case letters and digits, starting with a letter, with single underscores between them (^[a-z](_?[a-z0-9])*$)";

/// The Spin variable a secret called `name` reads: `name` lower-cased, which must then pass
/// [`is_spin_variable_name`]. The error names both forms and the rule.
pub fn secret_variable_name(name: &str) -> Result<String, SecretError> {
    let lower = name.to_ascii_lowercase();
    if is_spin_variable_name(&lower) {
        Ok(lower)
    } else {
        Err(SecretError::Validation(format!(
            "secret `{}` is read as the Spin variable `{}`, which is not a valid name: use {SPIN_VARIABLE_NAME_RULE}",
            name.escape_debug(),
            lower.escape_debug()
        )))
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn spin_variable_names() {
        for ok in ["a", "api_token", "a1", "x9_y", "a_1", "a1_b2_c3"] {
            assert!(is_spin_variable_name(ok), "{ok}");
        }
        for bad in [
            "",
            "A",
            "api__token",
            "_a",
            "a_",
            "1a",
            "api-token",
            "token_",
            "a b",
            "é",
            "a:b",
        ] {
            assert!(!is_spin_variable_name(bad), "{bad}");
        }
    }

    #[test]
    fn secret_names_are_lower_cased_then_checked() {
        assert_eq!(secret_variable_name("API_TOKEN").unwrap(), "api_token");
        let err = secret_variable_name("Api__Token").unwrap_err().to_string();
        assert!(
            err.contains("`api__token`") && err.contains("single underscores"),
            "{err}"
        );
        assert!(secret_variable_name("token_").is_err());
        assert!(secret_variable_name("bad\nname")
            .unwrap_err()
            .to_string()
            .contains("bad\\nname"));
    }
}
