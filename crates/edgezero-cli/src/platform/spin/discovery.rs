//! Reading `spin.toml` and choosing the component EdgeZero works on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgezero_core::env::{self, StoreKind};
use edgezero_manifest::Manifest;
use toml_edit::DocumentMut;

/// A parsed `spin.toml` and the component chosen from it.
#[derive(Debug)]
pub struct SpinApp {
    /// Path of `spin.toml`.
    pub path: PathBuf,
    /// The document, with comments and layout, for editing.
    pub doc: DocumentMut,
    /// `[application].name`.
    pub app_name: String,
    /// The chosen component id.
    pub component: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl SpinApp {
    /// Loads `spin.toml` and discovers the component: the only one, or the one named by
    /// `[adapters.spin.adapter].component` (required when there are several).
    pub fn load(path: &Path, manifest: &Manifest) -> Result<SpinApp> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let line = e.span().map(|s| line_of(&text, s.start)).unwrap_or(1);
            anyhow::anyhow!("{}:{line}: invalid TOML: {}", path.display(), e.message())
        })?;
        let app_name = doc
            .get("application")
            .and_then(|a| a.get("name"))
            .and_then(|n| n.as_str())
            .with_context(|| format!("{}: missing `application.name`", path.display()))?
            .to_string();
        let component_ids: Vec<String> = doc
            .get("component")
            .and_then(|c| c.as_table_like())
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default();
        let wanted = manifest
            .adapter("spin")
            .and_then(|a| a.adapter.component.clone());
        let component = choose(path, &component_ids, wanted.as_deref(), &manifest.path)?;
        Ok(SpinApp {
            path: path.to_path_buf(),
            doc,
            app_name,
            component,
        })
    }

    /// The directory of `spin.toml`.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// `[component.<id>].environment` of the chosen component.
    pub fn environment(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let env = self.doc["component"][self.component.as_str()].get("environment");
        if let Some(t) = env.and_then(|e| e.as_table_like()) {
            for (k, v) in t.iter() {
                if let Some(s) = v.as_str() {
                    out.insert(k.to_string(), s.to_string());
                }
            }
        }
        out
    }

    /// `[component.<id>].key_value_stores` of the chosen component.
    pub fn key_value_stores(&self) -> Vec<String> {
        self.doc["component"][self.component.as_str()]
            .get("key_value_stores")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The Spin label of a logical store: `EDGEZERO__STORES__<KIND>__<ID>__NAME` from the
    /// process environment, else from the component's `environment`, else the id.
    pub fn label(&self, kind: StoreKind, id: &str) -> String {
        let spin_env = self.environment();
        env::resolve_store_name(kind, id, &|k| {
            std::env::var(k).ok().or_else(|| spin_env.get(k).cloned())
        })
    }
}

/// Spin component discovery: one component → it; several → the configured one.
pub fn choose(
    spin_toml: &Path,
    ids: &[String],
    wanted: Option<&str>,
    manifest: &Path,
) -> Result<String> {
    match (wanted, ids) {
        (_, []) => bail!("{} has no [component.<id>] table; add the component EdgeZero should use", spin_toml.display()),
        (Some(w), _) if ids.iter().any(|i| i == w) => Ok(w.to_string()),
        (Some(w), _) => bail!(
            "{}: [adapters.spin.adapter].component = \"{w}\" is not a component of {}; its components are: {}",
            manifest.display(),
            spin_toml.display(),
            ids.join(", ")
        ),
        (None, [only]) => Ok(only.clone()),
        (None, _) => bail!(
            "{} has {} components ({}); say which one EdgeZero uses with\n\n[adapters.spin.adapter]\ncomponent = \"{}\"\n\nin {}",
            spin_toml.display(),
            ids.len(),
            ids.join(", "),
            ids[0],
            manifest.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_rules() {
        let p = Path::new("spin.toml");
        let m = Path::new("edgezero.toml");
        let one = vec!["app".to_string()];
        let two = vec!["a".to_string(), "b".to_string()];
        assert_eq!(choose(p, &one, None, m).unwrap(), "app");
        assert_eq!(choose(p, &two, Some("b"), m).unwrap(), "b");
        let err = choose(p, &two, None, m).unwrap_err().to_string();
        assert!(
            err.contains("a, b") && err.contains("component = \"a\""),
            "{err}"
        );
        let err = choose(p, &two, Some("c"), m).unwrap_err().to_string();
        assert!(err.contains("\"c\" is not a component"), "{err}");
        assert!(choose(p, &[], None, m).is_err());
    }
}
