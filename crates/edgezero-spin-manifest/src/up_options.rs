//! The options `spin up` takes beyond its files, with Spin 4's syntax and precedence:
//! `--key-value KEY=VALUE`, `-e/--env KEY=VALUE`, `--variable KEY=VALUE | KEY=@file |
//! @file.json | @file.toml`, and the `.env` file its variables provider reads.
//!
//! A variable's value comes from, in order: `--variable`, the process environment
//! (`SPIN_VARIABLE_<NAME>`), the `.env` file (same names; `spin up` reads `.env` in its
//! working directory), then the manifest's `default`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ids::{is_spin_variable_name, SPIN_VARIABLE_NAME_RULE};
use crate::variables::env_name;

/// Why an option of `spin up` (or its `.env` file) cannot be used. The message names the
/// option or file and says what to write instead.
#[derive(Debug, thiserror::Error)]
pub enum UpOptionError {
    /// `--key-value`, `--env` or `--variable` without `KEY=`.
    #[error("{what} `{}` must look like KEY=VALUE", .arg.escape_debug())]
    NotKeyValue {
        /// The option, e.g. `--env`.
        what: String,
        /// The argument as given.
        arg: String,
    },
    /// A file named by `--variable` cannot be read.
    #[error("--variable {arg}: cannot read {}: {error}", .path.display())]
    ReadFile {
        /// The argument as given.
        arg: String,
        /// The file, resolved against the working directory.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// `--variable @file` whose file is neither `.json` nor `.toml`.
    #[error("--variable {0}: a file of variables must end in .json or .toml (or write NAME=@file for one value)")]
    FileKind(String),
    /// `--variable @file.json` that is not a JSON object.
    #[error("--variable {arg}: not a JSON object: {error}")]
    Json {
        /// The argument as given.
        arg: String,
        /// The parse error.
        error: serde_json::Error,
    },
    /// `--variable @file.toml` that is not a TOML table.
    #[error("--variable {arg}: {message}")]
    Toml {
        /// The argument as given.
        arg: String,
        /// The parser's message.
        message: String,
    },
    /// A variable name that breaks Spin's rule.
    #[error("--variable: `{}` is not a valid variable name ({SPIN_VARIABLE_NAME_RULE})", .0.escape_debug())]
    InvalidName(String),
    /// The `.env` file cannot be opened.
    #[error("cannot read {}: {error}", .path.display())]
    DotenvRead {
        /// The `.env` file.
        path: PathBuf,
        /// dotenv's error.
        error: dotenvy::Error,
    },
    /// A line of the `.env` file cannot be parsed.
    #[error("{}: {error}", .path.display())]
    DotenvParse {
        /// The `.env` file.
        path: PathBuf,
        /// dotenv's error, naming the line.
        error: dotenvy::Error,
    },
}

/// Splits `KEY=VALUE` on the first `=` (as Spin does); `what` names the option in errors.
pub fn key_value(arg: &str, what: &str) -> Result<(String, String), UpOptionError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(UpOptionError::NotKeyValue {
            what: what.to_string(),
            arg: arg.to_string(),
        }),
    }
}

/// One `--variable` argument: `name=value`, `name=@file` (the file's contents), or
/// `@file.json` / `@file.toml` (a table of names to string values). Relative files resolve
/// against `dir`. Names are checked with Spin's variable-name rule.
pub fn variable(arg: &str, dir: &Path) -> Result<Vec<(String, String)>, UpOptionError> {
    let read = |file: &str| -> Result<String, UpOptionError> {
        let path = dir.join(file);
        std::fs::read_to_string(&path).map_err(|error| UpOptionError::ReadFile {
            arg: arg.to_string(),
            path,
            error,
        })
    };
    let pairs = if let Some(file) = arg.strip_prefix('@') {
        if !(file.ends_with(".json") || file.ends_with(".toml")) {
            return Err(UpOptionError::FileKind(arg.to_string()));
        }
        let text = read(file)?;
        let table: BTreeMap<String, toml::Value> = if file.ends_with(".json") {
            let json: BTreeMap<String, serde_json::Value> =
                serde_json::from_str(&text).map_err(|error| UpOptionError::Json {
                    arg: arg.to_string(),
                    error,
                })?;
            json.into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, toml::Value::String(s))
                })
                .collect()
        } else if file.ends_with(".toml") {
            toml::from_str(&text).map_err(|e| UpOptionError::Toml {
                arg: arg.to_string(),
                message: e.message().to_string(),
            })?
        } else {
            return Err(UpOptionError::FileKind(arg.to_string()));
        };
        table
            .into_iter()
            .map(|(k, v)| match v {
                toml::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect::<Vec<_>>()
    } else {
        let (name, value) = key_value(arg, "--variable")?;
        let value = match value.strip_prefix('@') {
            Some(file) => read(file)?,
            None => value,
        };
        vec![(name, value)]
    };
    for (name, _) in &pairs {
        if !is_spin_variable_name(name) {
            return Err(UpOptionError::InvalidName(name.clone()));
        }
    }
    Ok(pairs)
}

/// Where variable values come from, in Spin's order.
#[derive(Debug, Clone, Default)]
pub struct VariableSources {
    /// `--variable` values, by variable name.
    pub cli: BTreeMap<String, String>,
    /// The `.env` file to read, if any (`spin up` reads `.env` in its working directory).
    pub dotenv: Option<PathBuf>,
}

impl VariableSources {
    /// A lookup by environment name (`SPIN_VARIABLE_<NAME>`) over `--variable`, then
    /// `process_env`, then the `.env` file. A `.env` that exists but cannot be parsed is an
    /// error naming the file and line.
    pub fn lookup(
        &self,
        process_env: impl Fn(&str) -> Option<String>,
    ) -> Result<impl Fn(&str) -> Option<String>, UpOptionError> {
        let cli: BTreeMap<String, String> = self
            .cli
            .iter()
            .map(|(name, value)| (env_name(name), value.clone()))
            .collect();
        let dotenv = match &self.dotenv {
            Some(path) if path.is_file() => read_dotenv(path)?,
            _ => BTreeMap::new(),
        };
        Ok(move |key: &str| {
            cli.get(key)
                .cloned()
                .or_else(|| process_env(key))
                .or_else(|| dotenv.get(key).cloned())
        })
    }
}

/// Reads a `.env` file (`NAME=value` lines, `#` comments, quoting as dotenv does).
pub fn read_dotenv(path: &Path) -> Result<BTreeMap<String, String>, UpOptionError> {
    let iter = dotenvy::from_path_iter(path).map_err(|error| UpOptionError::DotenvRead {
        path: path.to_path_buf(),
        error,
    })?;
    iter.collect::<Result<BTreeMap<_, _>, _>>()
        .map_err(|error| UpOptionError::DotenvParse {
            path: path.to_path_buf(),
            error,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_in_every_form() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token.txt"), "s3cret").unwrap();
        std::fs::write(dir.path().join("vars.toml"), "a = \"1\"\nb = \"two\"\n").unwrap();
        std::fs::write(dir.path().join("vars.json"), r#"{"c": "x\":y", "d": 4}"#).unwrap();
        assert_eq!(
            variable("@vars.json", dir.path()).unwrap(),
            [("c".into(), "x\":y".into()), ("d".into(), "4".into())]
        );
        assert_eq!(
            variable("x=1=2", dir.path()).unwrap(),
            [("x".into(), "1=2".into())]
        );
        assert_eq!(
            variable("api_token=@token.txt", dir.path()).unwrap(),
            [("api_token".into(), "s3cret".into())]
        );
        assert_eq!(
            variable("@vars.toml", dir.path()).unwrap(),
            [("a".into(), "1".into()), ("b".into(), "two".into())]
        );
        assert!(variable("API=1", dir.path())
            .unwrap_err()
            .to_string()
            .contains("not a valid variable name"));
        assert_eq!(
            variable("no\tvalue", dir.path()).unwrap_err().to_string(),
            "--variable `no\\tvalue` must look like KEY=VALUE"
        );
        assert!(variable("@vars.yaml", dir.path())
            .unwrap_err()
            .to_string()
            .contains(".json or .toml"));
    }

    #[test]
    fn precedence_is_cli_then_process_then_dotenv() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join(".env");
        std::fs::write(
            &env,
            "SPIN_VARIABLE_A=dotenv\nSPIN_VARIABLE_B=dotenv\nSPIN_VARIABLE_C=dotenv\n",
        )
        .unwrap();
        let sources = VariableSources {
            cli: BTreeMap::from([("a".to_string(), "cli".to_string())]),
            dotenv: Some(env),
        };
        let process = |k: &str| {
            matches!(k, "SPIN_VARIABLE_A" | "SPIN_VARIABLE_B").then(|| "process".to_string())
        };
        let lookup = sources.lookup(process).unwrap();
        assert_eq!(lookup("SPIN_VARIABLE_A").as_deref(), Some("cli"));
        assert_eq!(lookup("SPIN_VARIABLE_B").as_deref(), Some("process"));
        assert_eq!(lookup("SPIN_VARIABLE_C").as_deref(), Some("dotenv"));
        assert_eq!(lookup("SPIN_VARIABLE_D"), None);
    }
}
