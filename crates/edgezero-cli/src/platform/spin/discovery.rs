//! Reading `spin.toml` and finding the component EdgeZero works on.
//!
//! Discovery: one component → it; several → the one named by
//! `[adapters.spin.adapter].component`, else the one whose `source` is the file that
//! `[adapters.spin.adapter].crate` builds. When none of these finds one, there is no
//! EdgeZero component and the commands work on the whole app: `build` and
//! `serve` take every component, and the store checks use the union of the components'
//! `key_value_stores`. A command that must write to one component (provision adding a label)
//! or read one component's settings (the label override of a config push, when components
//! disagree) says which line to add.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;
use edgezero_spin_manifest::ids::toml_key;
use edgezero_spin_manifest::{ComponentSpec, Manifest as SpinManifest};

/// A parsed, checked `spin.toml` and the EdgeZero component found in it.
#[derive(Debug)]
pub struct SpinApp {
    /// Path of `spin.toml` (absolute).
    pub path: PathBuf,
    /// The manifest, checked exactly as the embedded host checks it.
    pub spin: SpinManifest,
    /// The EdgeZero component: the only one, or the one edgezero.toml names. `None` when
    /// spin.toml has several components and edgezero.toml names none.
    pub component: Option<String>,
    /// The component ids in the order spin.toml lists them (the order `spin build` uses).
    pub order: Vec<String>,
    /// edgezero.toml, for messages.
    manifest_path: PathBuf,
}

impl SpinApp {
    /// Loads `spin.toml` and discovers the EdgeZero component.
    pub fn load(path: &Path, manifest: &Manifest) -> Result<SpinApp> {
        let spin = SpinManifest::load(path)?;
        let order = file_order(path, &spin);
        let wanted = manifest
            .adapter("spin")
            .and_then(|a| a.adapter.component.clone());
        let component = match choose(path, &order, wanted.as_deref(), &manifest.path)? {
            Some(id) => Some(id),
            None => built_from_the_crate(manifest, &spin),
        };
        Ok(SpinApp {
            path: path.to_path_buf(),
            spin,
            component,
            order,
            manifest_path: manifest.path.clone(),
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

    /// Every component, in spin.toml's order.
    pub fn components(&self) -> impl Iterator<Item = &ComponentSpec> {
        self.order.iter().map(|id| &self.spin.components[id])
    }

    /// The component `id`, or an error listing the ids.
    pub fn get(&self, id: &str) -> Result<&ComponentSpec> {
        self.spin.components.get(id).with_context(|| {
            format!(
                "{} has no component `{id}`; its components are: {}",
                self.path.display(),
                self.order.join(", ")
            )
        })
    }

    /// The EdgeZero component, if discovery found one.
    pub fn edgezero_component(&self) -> Option<&ComponentSpec> {
        self.component.as_ref().map(|id| &self.spin.components[id])
    }

    /// The EdgeZero component, or an error saying why `action` needs one and the
    /// edgezero.toml lines that name it.
    pub fn require_one(&self, action: &str) -> Result<&ComponentSpec> {
        self.edgezero_component()
            .ok_or_else(|| self.needs_one(action))
    }

    fn needs_one(&self, action: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "{} has {} components ({}) and {action}; say which one is the EdgeZero app: {}",
            self.path.display(),
            self.order.len(),
            self.order.join(", "),
            name_component(&self.order[0], &self.manifest_path)
        )
    }

    /// The components whose stores the app's store ids refer to: the EdgeZero component,
    /// else every component.
    pub fn scope(&self) -> Vec<&ComponentSpec> {
        match self.edgezero_component() {
            Some(c) => vec![c],
            None => self.components().collect(),
        }
    }

    /// Whether `label` is in the `key_value_stores` of a component in [`SpinApp::scope`].
    pub fn grants(&self, label: &str) -> bool {
        self.scope()
            .iter()
            .any(|c| c.store_labels().any(|l| l == label))
    }

    /// The ids of the components that have `label` in `key_value_stores`.
    pub fn granted_by(&self, label: &str) -> Vec<&str> {
        self.components()
            .filter(|c| c.store_labels().any(|l| l == label))
            .map(|c| c.id.as_str())
            .collect()
    }

    /// The Spin label of a logical store: what the component opens, i.e.
    /// `EDGEZERO__STORES__<KIND>__<ID>__NAME` from its `environment` in spin.toml, else the
    /// id. The caller's shell is not consulted: the component never sees it. Without an
    /// EdgeZero component, every component must agree on it.
    pub fn label(&self, kind: StoreKind, id: &str) -> Result<String> {
        let scope = self.scope();
        let labels: Vec<(String, &str)> = scope
            .iter()
            .map(|c| (c.store_label(kind, id), c.id.as_str()))
            .collect();
        let first = labels[0].0.clone();
        if labels.iter().all(|(l, _)| *l == first) {
            return Ok(first);
        }
        let each: Vec<String> = labels
            .iter()
            .map(|(l, c)| format!("`{l}` in [component.{}]", toml_key(c)))
            .collect();
        Err(self.needs_one(&format!(
            "[stores.{}] id `{id}` opens a different label in each ({}, set by {} in their `environment`)",
            kind.as_str(),
            each.join(", "),
            edgezero_core::env::store_name_var(kind, id)
        )))
    }

    /// `[component.demo]`, or `any component (a, b)` without an EdgeZero component.
    pub fn describe_scope(&self) -> String {
        match &self.component {
            Some(id) => format!("[component.{}]", toml_key(id)),
            None => format!("any component ({})", self.order.join(", ")),
        }
    }

    /// Reads spin.toml again as an editable document (comments and layout kept).
    pub fn document(&self) -> Result<toml_edit::DocumentMut> {
        let text = std::fs::read_to_string(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        text.parse()
            .with_context(|| format!("{} is no longer valid TOML", self.path.display()))
    }
}

/// How to name the EdgeZero component: `add component = "<id>" under [adapters.spin.adapter]
/// in <edgezero.toml>` (the table exists: it says where spin.toml is).
pub fn name_component(id: &str, manifest: &Path) -> String {
    format!(
        "add\n\ncomponent = \"{}\"\n\nunder [adapters.spin.adapter] in {}",
        id.escape_debug(),
        manifest.display()
    )
}

/// The one component whose `source` is the file `[adapters.spin.adapter].crate` builds
/// (`<lib name>.wasm`, the name cargo gives it): with several components and none named,
/// that component is the EdgeZero app.
fn built_from_the_crate(manifest: &Manifest, spin: &SpinManifest) -> Option<String> {
    let dir = manifest.adapter("spin")?.adapter.crate_dir.as_deref()?;
    let text = std::fs::read_to_string(manifest.resolve(dir).join("Cargo.toml")).ok()?;
    let cargo: toml::Table = text.parse().ok()?;
    let name = cargo
        .get("lib")
        .and_then(|l| l.get("name"))
        .or_else(|| cargo.get("package")?.get("name"))?
        .as_str()?;
    let artifact = format!("{}.wasm", name.replace('-', "_"));
    let mut matching = spin
        .components
        .values()
        .filter(|c| c.source.file_name().is_some_and(|f| f == artifact.as_str()));
    match (matching.next(), matching.next()) {
        (Some(c), None) => Some(c.id.clone()),
        _ => None,
    }
}

/// The component ids in the order of spin.toml (sorted if the file cannot be re-read).
fn file_order(path: &Path, spin: &SpinManifest) -> Vec<String> {
    let from_file = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml_edit::DocumentMut>().ok())
        .and_then(|doc| {
            let table = doc.get("component")?.as_table_like()?;
            Some(table.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>())
        })
        .unwrap_or_default();
    let mut order: Vec<String> = from_file
        .into_iter()
        .filter(|id| spin.components.contains_key(id))
        .collect();
    for id in spin.components.keys() {
        if !order.contains(id) {
            order.push(id.clone());
        }
    }
    order
}

/// Spin component discovery: one component → it; several → the configured one, or none.
pub fn choose(
    spin_toml: &Path,
    ids: &[String],
    wanted: Option<&str>,
    manifest: &Path,
) -> Result<Option<String>> {
    match (wanted, ids) {
        (_, []) => bail!("{} has no [component.<id>] table; add the component EdgeZero should use", spin_toml.display()),
        (Some(w), _) if ids.iter().any(|i| i == w) => Ok(Some(w.to_string())),
        (Some(w), _) => bail!(
            "{}: [adapters.spin.adapter].component = \"{w}\" is not a component of {}; its components are: {}",
            manifest.display(),
            spin_toml.display(),
            ids.join(", ")
        ),
        (None, [only]) => Ok(Some(only.clone())),
        (None, _) => Ok(None),
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
        assert_eq!(choose(p, &one, None, m).unwrap().as_deref(), Some("app"));
        assert_eq!(choose(p, &two, Some("b"), m).unwrap().as_deref(), Some("b"));
        assert_eq!(choose(p, &two, None, m).unwrap(), None);
        let err = choose(p, &two, Some("c"), m).unwrap_err().to_string();
        assert!(
            err.contains("\"c\" is not a component") && err.contains("a, b"),
            "{err}"
        );
        assert!(choose(p, &[], None, m).is_err());
    }

    fn app(spin: &str, component: Option<&str>) -> SpinApp {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spin.toml");
        std::fs::write(&path, spin).unwrap();
        let parsed = SpinManifest::load(&path).unwrap();
        SpinApp {
            order: file_order(&path, &parsed),
            path,
            spin: parsed,
            component: component.map(str::to_string),
            manifest_path: PathBuf::from("edgezero.toml"),
        }
    }

    const TWO: &str = r#"spin_manifest_version = 2
[application]
name = "two"
[component.zeta]
source = "z.wasm"
key_value_stores = ["default", "cache"]
[component.alpha]
source = "a.wasm"
key_value_stores = ["default"]
environment = { EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME = "settings" }
"#;

    #[test]
    fn components_keep_the_order_of_the_file() {
        let a = app(TWO, None);
        assert_eq!(a.order, ["zeta", "alpha"]);
        let ids: Vec<&str> = a.components().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["zeta", "alpha"]);
    }

    #[test]
    fn without_an_edgezero_component_labels_are_the_union() {
        let a = app(TWO, None);
        assert!(a.grants("cache") && a.grants("default") && !a.grants("other"));
        assert_eq!(a.granted_by("default"), ["zeta", "alpha"]);
        assert_eq!(a.label(StoreKind::Kv, "cache").unwrap(), "cache");
        let err = a
            .label(StoreKind::Config, "app_config")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`app_config` in [component.zeta], `settings` in [component.alpha]")
                && err.contains("EDGEZERO__STORES__CONFIG__APP_CONFIG__NAME")
                && err.contains(
                    "add\n\ncomponent = \"zeta\"\n\nunder [adapters.spin.adapter] in edgezero.toml"
                ),
            "{err}"
        );
        let chosen = app(TWO, Some("alpha"));
        assert!(!chosen.grants("cache"));
        assert_eq!(
            chosen.label(StoreKind::Config, "app_config").unwrap(),
            "settings"
        );
        assert!(a.require_one("x").is_err() && chosen.require_one("x").is_ok());
    }
}
