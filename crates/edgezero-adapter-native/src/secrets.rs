//! Secrets from environment variables, named as Spin names variables, so one `.env` file
//! serves both: the secret `api_token` is read from `SPIN_VARIABLE_API_TOKEN`.

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::store::secrets::{SecretError, SecretStore};

/// Reads secrets from the process environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnvSecrets;

/// The variable name for a secret: lower-cased, checked against `^[a-z][a-z0-9_]*$`.
pub fn variable_name(name: &str) -> Result<String, SecretError> {
    let lower = name.to_ascii_lowercase();
    let mut chars = lower.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(lower)
    } else {
        Err(SecretError::Validation(format!(
            "`{name}` is not a valid secret name: lower-cased it must match ^[a-z][a-z0-9_]*$"
        )))
    }
}

#[async_trait(?Send)]
impl SecretStore for EnvSecrets {
    async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError> {
        let var = format!(
            "SPIN_VARIABLE_{}",
            variable_name(name)?.to_ascii_uppercase()
        );
        Ok(std::env::var_os(var).map(|v| Bytes::from(v.into_encoded_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_and_checked() {
        assert_eq!(variable_name("API_Token").unwrap(), "api_token");
        for bad in ["", "1abc", "a-b", "a.b", "_x"] {
            assert!(variable_name(bad).is_err(), "{bad}");
        }
    }
}
