//! Secrets from environment variables, named as Spin names variables, so one `.env` file
//! serves both: the secret `api_token` is read from `SPIN_VARIABLE_API_TOKEN`.

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::store::secrets::{SecretError, SecretStore};

/// Reads secrets from the process environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnvSecrets;

/// The variable name for a secret: lower-cased, checked with Spin's variable-name rule
/// (the one rule every EdgeZero tool shares).
pub fn variable_name(name: &str) -> Result<String, SecretError> {
    edgezero_spin_names::secret_variable_name(name)
        .map_err(|e| SecretError::Validation(e.to_string()))
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

    fn how_to_set(&self, name: &str) -> Option<String> {
        let var = variable_name(name).ok()?.to_ascii_uppercase();
        Some(format!("set the environment variable SPIN_VARIABLE_{var}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_and_checked() {
        assert_eq!(variable_name("API_Token").unwrap(), "api_token");
        for bad in ["", "1abc", "a-b", "a.b", "_x", "api__token", "token_"] {
            assert!(variable_name(bad).is_err(), "{bad}");
        }
    }

    /// Spin gives `SPIN_VARIABLE_X=` the value "", so an empty variable is a set secret.
    #[test]
    fn empty_variable_is_a_set_empty_secret() {
        std::env::set_var("SPIN_VARIABLE_EDGEZERO_TEST_EMPTY_SECRET", "");
        let got = futures_executor::block_on(EnvSecrets.get_bytes("edgezero_test_empty_secret"));
        assert_eq!(got.unwrap(), Some(Bytes::new()));
        let unset = futures_executor::block_on(EnvSecrets.get_bytes("edgezero_test_unset_secret"));
        assert_eq!(unset.unwrap(), None);
    }
}
