//! Spin's rule for variable names, and how an EdgeZero secret name becomes a Spin variable
//! name. No dependencies: it compiles into every Spin component, and the embedded host,
//! `edgezero-spin-manifest` and the CLI check the same rule.

#![warn(missing_docs)]

use std::fmt;

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

/// A secret name that is not a valid Spin variable name once lower-cased. The message names
/// both forms and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSecretName {
    /// The secret name as written.
    pub name: String,
    /// The name lower-cased: the variable it would read.
    pub variable: String,
}

impl fmt::Display for InvalidSecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "secret `{}` is read as the Spin variable `{}`, which is not a valid name: use {SPIN_VARIABLE_NAME_RULE}",
            self.name.escape_debug(),
            self.variable.escape_debug()
        )
    }
}

impl std::error::Error for InvalidSecretName {}

/// The Spin variable a secret called `name` reads: `name` lower-cased, which must then pass
/// [`is_spin_variable_name`].
pub fn secret_variable_name(name: &str) -> Result<String, InvalidSecretName> {
    let lower = name.to_ascii_lowercase();
    if is_spin_variable_name(&lower) {
        Ok(lower)
    } else {
        Err(InvalidSecretName {
            name: name.to_string(),
            variable: lower,
        })
    }
}

#[cfg(test)]
mod tests {
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
