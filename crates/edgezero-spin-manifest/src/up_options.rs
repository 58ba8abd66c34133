//! The options `spin up` takes beyond its files, with Spin 4's syntax and precedence:
//! `--key-value KEY=VALUE`, `-e/--env KEY=VALUE`, `--variable KEY=VALUE | KEY=@file |
//! @file.json | @file.toml`, and the `.env` file its variables provider reads.
//!
//! A variable's value comes from, in order: `--variable`, the process environment
//! (`SPIN_VARIABLE_<NAME>`), the `.env` file (same names; `spin up` reads `.env` in its
//! working directory), then the manifest's `default`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ids::is_spin_variable_name;
use crate::variables::env_name;

/// Splits `KEY=VALUE` on the first `=` (as Spin does); `what` names the option in errors.
pub fn key_value(arg: &str, what: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!(
            "{what} `{}` must look like KEY=VALUE",
            arg.escape_debug()
        )),
    }
}

/// One `--variable` argument: `name=value`, `name=@file` (the file's contents), or
/// `@file.json` / `@file.toml` (a table of names to string values). Relative files resolve
/// against `dir`. Names are checked with Spin's variable-name rule.
pub fn variable(arg: &str, dir: &Path) -> Result<Vec<(String, String)>, String> {
    let read = |file: &str| -> Result<String, String> {
        let path = dir.join(file);
        std::fs::read_to_string(&path)
            .map_err(|e| format!("--variable {arg}: cannot read {}: {e}", path.display()))
    };
    let pairs = if let Some(file) = arg.strip_prefix('@') {
        if !(file.ends_with(".json") || file.ends_with(".toml")) {
            return Err(format!(
                "--variable {arg}: a file of variables must end in .json or .toml (or write NAME=@file for one value)"
            ));
        }
        let text = read(file)?;
        let table: BTreeMap<String, toml::Value> = if file.ends_with(".json") {
            let json: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text)
                .map_err(|e| format!("--variable {arg}: not a JSON object: {e}"))?;
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
            toml::from_str(&text).map_err(|e| format!("--variable {arg}: {}", e.message()))?
        } else {
            return Err(format!(
                "--variable {arg}: a file of variables must end in .json or .toml (or write NAME=@file for one value)"
            ));
        };
        table
            .into_iter()
            .map(|(k, v)| match v {
                toml::Value::String(s) => Ok((k, s)),
                other => Ok((k, other.to_string())),
            })
            .collect::<Result<Vec<_>, String>>()?
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
            return Err(format!(
                "--variable: `{}` is not a valid variable name ({})",
                name.escape_debug(),
                crate::ids::SPIN_VARIABLE_NAME_RULE
            ));
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
    ) -> Result<impl Fn(&str) -> Option<String>, String> {
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
pub fn read_dotenv(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let iter = dotenvy::from_path_iter(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    iter.collect::<Result<BTreeMap<_, _>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
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
            .contains("not a valid variable name"));
        assert!(variable("novalue", dir.path())
            .unwrap_err()
            .contains("KEY=VALUE"));
        assert!(variable("@vars.yaml", dir.path())
            .unwrap_err()
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
