//! Reading `spin.toml` and choosing the component EdgeZero works on.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;
use edgezero_spin_manifest::{ComponentSpec, Manifest as SpinManifest};

/// A parsed, checked `spin.toml` and the component chosen from it.
#[derive(Debug)]
pub struct SpinApp {
    /// Path of `spin.toml` (absolute).
    pub path: PathBuf,
    /// The manifest, checked exactly as the embedded host checks it.
    pub spin: SpinManifest,
    /// The chosen component id.
    pub component: String,
}

impl SpinApp {
    /// Loads `spin.toml` and discovers the component: the only one, or the one named by
    /// `[adapters.spin.adapter].component` (required when there are several).
    pub fn load(path: &Path, manifest: &Manifest) -> Result<SpinApp> {
        let spin = SpinManifest::load(path)?;
        let ids: Vec<String> = spin.components.keys().cloned().collect();
        let wanted = manifest
            .adapter("spin")
            .and_then(|a| a.adapter.component.clone());
        let component = choose(path, &ids, wanted.as_deref(), &manifest.path)?;
        Ok(SpinApp {
            path: path.to_path_buf(),
            spin,
            component,
        })
    }

    /// The directory of `spin.toml`.
    pub fn dir(&self) -> &Path {
        &self.spin.dir
    }

    /// `[application].name`.
    pub fn app_name(&self) -> &str {
        &self.spin.name
    }

    /// The chosen component.
    pub fn spec(&self) -> &ComponentSpec {
        &self.spin.components[&self.component]
    }

    /// `[component.<id>].key_value_stores` of the chosen component.
    pub fn key_value_stores(&self) -> Vec<String> {
        self.spec().store_labels().map(str::to_string).collect()
    }

    /// The Spin label of a logical store: what the component opens, i.e.
    /// `EDGEZERO__STORES__<KIND>__<ID>__NAME` from its `environment` in spin.toml, else the
    /// id. The caller's shell is not consulted: the component never sees it.
    pub fn label(&self, kind: StoreKind, id: &str) -> String {
        self.spec().store_label(kind, id)
    }

    /// Reads spin.toml again as an editable document (comments and layout kept).
    pub fn document(&self) -> Result<toml_edit::DocumentMut> {
        let text = std::fs::read_to_string(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        text.parse()
            .with_context(|| format!("{} is no longer valid TOML", self.path.display()))
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
