//! Secrets as Spin variables.
//!
//! Spin has one flat variable namespace per component, so every `[stores.secrets]` id reads
//! the same variables. A secret name is lower-cased and must then be a valid Spin variable
//! name ([`edgezero_spin_names::is_spin_variable_name`], the rule every EdgeZero
//! tool shares). A variable the component does not declare reads as "not set"; a variable
//! whose value is the empty string is set, to "" — as `spin_sdk::variables::get` returns it,
//! and as the native adapter reads `SPIN_VARIABLE_<NAME>=`.

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::store::secrets::{SecretError, SecretStore};

/// The secret-name rule checked before asking Spin, as written in messages.
pub use edgezero_spin_names::SPIN_VARIABLE_NAME_RULE as NAME_RULE;

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

/// The Spin variable name for a secret name: lower-cased, then checked against Spin's rule.
pub fn variable_name(name: &str) -> Result<String, SecretError> {
    edgezero_spin_names::secret_variable_name(name)
        .map_err(|e| SecretError::Validation(e.to_string()))
}

fn invalid_name(name: &str, _lower: &str) -> SecretError {
    match variable_name(name) {
        Err(e) => e,
        // Spin refused a name that passes the shared rule: say so, with the rule.
        Ok(lower) => SecretError::Validation(format!(
            "Spin refused the variable name `{}`; use {NAME_RULE}",
            lower.escape_debug()
        )),
    }
}

/// Maps a variable lookup to a secret: undefined → not set; any value, "" included, → set.
pub fn map_variable(
    name: &str,
    lower: &str,
    result: Result<String, VariableError>,
) -> Result<Option<Bytes>, SecretError> {
    match result {
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

    fn how_to_set(&self, name: &str) -> Option<String> {
        let lower = variable_name(name).ok()?;
        Some(format!(
            "declare the variable `{lower}` in spin.toml, map it into the component's variables and give it a value"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_and_checked() {
        assert_eq!(variable_name("API_TOKEN").unwrap(), "api_token");
        assert_eq!(variable_name("db2_pass").unwrap(), "db2_pass");
        for bad in [
            "",
            "2fa",
            "_x",
            "api-token",
            "api.token",
            "ключ",
            "a b",
            "a__b",
            "token_",
        ] {
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
        assert_eq!(
            map_variable("x", "x", Ok(String::new()))
                .unwrap()
                .as_deref(),
            Some(&b""[..])
        );
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
            matches!(&err, SecretError::Validation(m) if m.contains("single underscores") && m.contains("a__b")),
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
