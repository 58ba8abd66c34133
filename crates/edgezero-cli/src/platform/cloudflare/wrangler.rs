//! What the CLI reads from `wrangler.toml`: the Worker's name, its bindings and vars. The
//! file is the app's and wrangler's; the CLI reads it to run the Worker locally as
//! `wrangler dev` would and checks it against edgezero.toml.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use edgezero_cloudflare_names::ATOMIC_KV_CLASS;
use serde::Deserialize;

/// The parts of `wrangler.toml` the CLI uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Wrangler {
    /// `name`
    #[serde(default)]
    pub name: Option<String>,
    /// `main`: the entry module, relative to the file.
    #[serde(default)]
    pub main: Option<String>,
    /// `compatibility_date`
    #[serde(default)]
    pub compatibility_date: Option<String>,
    /// `[[kv_namespaces]]`
    #[serde(default)]
    pub kv_namespaces: Vec<KvNamespace>,
    /// `[durable_objects]`
    #[serde(default)]
    pub durable_objects: DurableObjects,
    /// `[vars]`
    #[serde(default)]
    pub vars: BTreeMap<String, toml::Value>,
}

/// One `[[kv_namespaces]]` stanza.
#[derive(Debug, Clone, Deserialize)]
pub struct KvNamespace {
    /// The binding name the Worker sees.
    pub binding: String,
    /// The namespace's id on Cloudflare.
    #[serde(default)]
    pub id: Option<String>,
}

/// `[durable_objects]`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DurableObjects {
    /// `[[durable_objects.bindings]]`
    #[serde(default)]
    pub bindings: Vec<DurableObjectBinding>,
}

/// One `[[durable_objects.bindings]]` stanza.
#[derive(Debug, Clone, Deserialize)]
pub struct DurableObjectBinding {
    /// The binding name the Worker sees.
    pub name: String,
    /// The class.
    pub class_name: String,
}

impl Wrangler {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Wrangler> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("{} is not a valid wrangler.toml", path.display()))
    }

    /// The bindings of the atomic store (Durable Object bindings of its class).
    pub fn atomic_bindings(&self) -> impl Iterator<Item = &str> {
        self.durable_objects
            .bindings
            .iter()
            .filter(|b| b.class_name == ATOMIC_KV_CLASS)
            .map(|b| b.name.as_str())
    }

    /// Whether a KV namespace or the atomic store is bound as `binding`.
    pub fn binds_kv(&self, binding: &str) -> bool {
        self.kv_namespaces.iter().any(|k| k.binding == binding)
            || self.atomic_bindings().any(|b| b == binding)
    }

    /// Whether a KV namespace is bound as `binding`.
    pub fn binds_namespace(&self, binding: &str) -> bool {
        self.kv_namespaces.iter().any(|k| k.binding == binding)
    }

    /// `[vars]` as the Worker sees them (strings as they are, other values as JSON text).
    pub fn var_strings(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()
    }
}

/// `NAME=value` lines of a `.dev.vars` file (wrangler's format: `#` comments, blank lines,
/// optional double quotes around the value).
pub fn read_dev_vars(path: &Path) -> Result<Vec<(String, String)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            anyhow::bail!(
                "{}:{}: expected NAME=value, found `{}`",
                path.display(),
                n + 1,
                line.escape_debug()
            );
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        out.push((name.trim().to_string(), value.to_string()));
    }
    Ok(out)
}

/// The directory `main` resolves against.
pub fn dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bindings_and_vars() {
        let w: Wrangler = toml::from_str(
            r#"
name = "counter"
main = "build/worker/shim.mjs"
[[kv_namespaces]]
binding = "cache"
id = "abc"
[[durable_objects.bindings]]
name = "default"
class_name = "EdgeZeroAtomicKv"
[vars]
EDGEZERO__LOGGING__LEVEL = "debug"
N = 3
"#,
        )
        .unwrap();
        assert!(w.binds_kv("cache") && w.binds_kv("default") && !w.binds_kv("other"));
        assert!(w.binds_namespace("cache") && !w.binds_namespace("default"));
        assert_eq!(w.atomic_bindings().collect::<Vec<_>>(), ["default"]);
        assert_eq!(
            w.var_strings(),
            [
                ("EDGEZERO__LOGGING__LEVEL".to_string(), "debug".to_string()),
                ("N".to_string(), "3".to_string())
            ]
        );
    }

    #[test]
    fn dev_vars_lines() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(".dev.vars");
        assert!(read_dev_vars(&f).unwrap().is_empty());
        std::fs::write(&f, "# secrets\nA=1\n\nB = \"two words\"\n").unwrap();
        assert_eq!(
            read_dev_vars(&f).unwrap(),
            [("A".into(), "1".into()), ("B".into(), "two words".into())]
        );
        std::fs::write(&f, "oops\n").unwrap();
        let err = read_dev_vars(&f).unwrap_err().to_string();
        assert!(err.contains(":1: expected NAME=value"), "{err}");
    }
}
