//! Secrets as Spin variables.
//!
//! Spin has one flat variable namespace per component, so every `[stores.secrets]` id reads
//! the same variables. A secret name is lower-cased and must match `^[a-z][a-z0-9_]*$`
//! (Spin additionally rejects `__` and a trailing `_`). A variable that is not defined, or
//! whose value is empty, reads as "not set": an application variable declared with
//! `default = ""` is how spin.toml marks a secret optional.

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::store::secrets::{SecretError, SecretStore};

/// The secret-name rule checked before asking Spin.
pub const NAME_RULE: &str = "^[a-z][a-z0-9_]*$";

/// Spin's `spin:variables/variables@3.0.0` error, variant for variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableError {
    /// The name is not a valid Spin variable name.
    InvalidName(String),
    /// The variable is not defined for this component.
    Undefined(String),
    /// The variables provider (e.g. a vault) failed.
    Provider(String),
    /// Any other failure.
    Other(String),
}

/// Reads Spin variables: `spin_sdk::variables::get` on `wasm32`, a map in tests.
#[allow(
    async_fn_in_trait,
    reason = "component futures are single-threaded; no Send bound wanted"
)]
pub trait VariableSource {
    /// The value of variable `name` (already lower-cased and checked).
    async fn get(&self, name: &str) -> Result<String, VariableError>;
}

/// The Spin variable name for a secret name: lower-cased, then checked against [`NAME_RULE`].
pub fn variable_name(name: &str) -> Result<String, SecretError> {
    let lower = name.to_lowercase();
    let mut chars = lower.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(lower)
    } else {
        Err(invalid_name(name, &lower))
    }
}

fn invalid_name(name: &str, lower: &str) -> SecretError {
    SecretError::Validation(format!(
        "secret `{name}` is looked up as the Spin variable `{lower}`, which must match {NAME_RULE} \
         (and contain no `__` nor end with `_`)"
    ))
}

/// Maps a variable lookup to a secret: undefined or empty → not set.
pub fn map_variable(
    name: &str,
    lower: &str,
    result: Result<String, VariableError>,
) -> Result<Option<Bytes>, SecretError> {
    match result {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(Bytes::from(v))),
        Err(VariableError::Undefined(_)) => Ok(None),
        Err(VariableError::InvalidName(_)) => Err(invalid_name(name, lower)),
        Err(VariableError::Provider(msg)) => Err(SecretError::Unavailable(format!(
            "the Spin variables provider failed to read `{lower}`: {msg}"
        ))),
        Err(VariableError::Other(msg)) => Err(SecretError::Internal(format!(
            "reading Spin variable `{lower}` failed: {msg}"
        ))),
    }
}

/// A secret store over Spin variables.
#[derive(Debug)]
pub struct SpinSecrets<V> {
    source: V,
}

impl<V: VariableSource> SpinSecrets<V> {
    /// Reads secrets from `source`.
    pub fn new(source: V) -> Self {
        SpinSecrets { source }
    }
}

#[async_trait(?Send)]
impl<V: VariableSource + 'static> SecretStore for SpinSecrets<V> {
    async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError> {
        let lower = variable_name(name)?;
        let result = self.source.get(&lower).await;
        map_variable(name, &lower, result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_and_checked() {
        assert_eq!(variable_name("API_TOKEN").unwrap(), "api_token");
        assert_eq!(variable_name("db2_pass").unwrap(), "db2_pass");
        for bad in ["", "2fa", "_x", "api-token", "api.token", "ключ", "a b"] {
            let err = variable_name(bad).unwrap_err();
            assert!(
                matches!(&err, SecretError::Validation(m) if m.contains(NAME_RULE)),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn variable_errors_map_to_secret_errors() {
        assert_eq!(
            map_variable("x", "x", Ok("v".into())).unwrap().as_deref(),
            Some(&b"v"[..])
        );
        assert_eq!(map_variable("x", "x", Ok(String::new())).unwrap(), None);
        assert_eq!(
            map_variable("x", "x", Err(VariableError::Undefined("x".into()))).unwrap(),
            None
        );
        let err = map_variable(
            "a__b",
            "a__b",
            Err(VariableError::InvalidName("bad".into())),
        )
        .unwrap_err();
        assert!(
            matches!(&err, SecretError::Validation(m) if m.contains(NAME_RULE) && m.contains("a__b")),
            "{err}"
        );
        assert!(matches!(
            map_variable("x", "x", Err(VariableError::Provider("vault".into()))),
            Err(SecretError::Unavailable(_))
        ));
        assert!(matches!(
            map_variable("x", "x", Err(VariableError::Other("?".into()))),
            Err(SecretError::Internal(_))
        ));
    }
}
