//! Writing the labels of every KV and config id into `[component.<id>].key_value_stores` of
//! the EdgeZero component.

use std::path::Path;

use anyhow::{Context, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;
use toml_edit::{Array, Item, Value};

use edgezero_spin_manifest::{stanza_for, RuntimeConfig};
use toml_edit::DocumentMut;

use super::discovery::SpinApp;
use super::DEFAULT_LABEL;
use crate::files::write_atomic;

/// What provisioning found and changed.
#[derive(Debug, Default)]
pub struct Provision {
    /// Every label the app needs, in manifest order (KV ids, then config ids).
    pub labels: Vec<String>,
    /// Labels added to `key_value_stores` by this run.
    pub added: Vec<String>,
    /// Labels (other than `default`) with no `[key_value_store.<label>]` stanza.
    pub missing_stanzas: Vec<String>,
    /// The edited spin.toml, when labels were added.
    pub document: Option<DocumentMut>,
}

/// `edgezero provision --adapter spin`: grants every label, writes spin.toml in one step
/// (unless `dry_run`), and lists the labels that still need a runtime-config.toml stanza.
pub fn run(manifest: &Manifest, dry_run: bool, runtime_config: Option<&Path>) -> Result<()> {
    let app = super::load_app(manifest)?;
    let rc = RuntimeConfig::discover(runtime_config, app.dir())?;
    let result = apply(&app, manifest, &rc)?;
    if result.added.is_empty() {
        let granted: Vec<String> = match &app.component {
            Some(id) => vec![format!(
                "[component.{id}].key_value_stores already grants {}",
                result.labels.join(", ")
            )],
            None => result
                .labels
                .iter()
                .map(|l| format!("{l} is granted to {}", app.granted_by(l).join(", ")))
                .collect(),
        };
        eprintln!(
            "{}: {}; nothing to change",
            app.path.display(),
            granted.join("; ")
        );
    } else if let (Some(doc), Some(id)) = (&result.document, &app.component) {
        if dry_run {
            eprintln!(
                "would add to [component.{id}].key_value_stores: {} (dry run: nothing written)",
                result.added.join(", ")
            );
        } else {
            write_atomic(&app.path, doc.to_string().as_bytes())?;
            eprintln!(
                "{}: added {} to [component.{id}].key_value_stores",
                app.path.display(),
                result.added.join(", ")
            );
        }
    }
    if !result.missing_stanzas.is_empty() {
        eprintln!(
            "\nthese labels still need a stanza in {} (not edited by provision):\n",
            rc.describe()
        );
        for label in &result.missing_stanzas {
            eprintln!("{}\n", stanza_for(label));
        }
    }
    Ok(())
}

/// Every KV and config id of the manifest, KV first: the stores that live on Spin KV labels.
pub fn label_backed_ids(manifest: &Manifest) -> impl Iterator<Item = (StoreKind, &String)> {
    let kv = manifest.stores.kv.ids.iter().map(|id| (StoreKind::Kv, id));
    kv.chain(
        manifest
            .stores
            .config
            .ids
            .iter()
            .map(|id| (StoreKind::Config, id)),
    )
}

/// The labels the app needs on Spin, as its component opens them (without an EdgeZero
/// component, every component must open the same ones).
pub fn wanted_labels(app: &SpinApp, manifest: &Manifest) -> Result<Vec<String>> {
    let mut labels: Vec<String> = Vec::new();
    for (kind, id) in label_backed_ids(manifest) {
        let label = app.label(kind, id)?;
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    Ok(labels)
}

/// Adds missing labels to the EdgeZero component's `key_value_stores`, keeping comments and
/// layout. Idempotent: a second run adds nothing. Without an EdgeZero component, a label
/// that some component grants is there already; one that none grants needs the component
/// named.
pub fn apply(app: &SpinApp, manifest: &Manifest, rc: &RuntimeConfig) -> Result<Provision> {
    let labels = wanted_labels(app, manifest)?;
    if let Some((label, problem)) = labels
        .iter()
        .find_map(|l| edgezero_spin_manifest::ids::store_label_problem(l).map(|p| (l, p)))
    {
        anyhow::bail!(
            "the Spin label `{}` is not a valid store label: {problem}; set EDGEZERO__STORES__*__NAME in the `environment` of {} in {} to a kebab-case or snake_case label",
            label.escape_debug(),
            app.describe_scope(),
            app.path.display()
        );
    }
    let added: Vec<String> = labels.iter().filter(|l| !app.grants(l)).cloned().collect();
    let mut document = None;
    if !added.is_empty() {
        let component = app
            .require_one(&format!(
                "none of them has {} in key_value_stores, so provision cannot tell which one to add {} to",
                added.join(", "),
                if added.len() == 1 { "it" } else { "them" }
            ))?
            .id
            .clone();
        let mut doc = app.document()?;
        let table = doc
            .get_mut("component")
            .and_then(|c| c.get_mut(component.as_str()))
            .and_then(|c| c.as_table_like_mut())
            .with_context(|| {
                format!(
                    "[component.{component}] in {} is not a table",
                    app.path.display()
                )
            })?;
        match table.get_mut("key_value_stores") {
            Some(item) => {
                let array = item.as_array_mut().with_context(|| {
                    format!(
                        "{}: [component.{component}].key_value_stores must be an array of labels",
                        app.path.display()
                    )
                })?;
                for label in &added {
                    array.push(label.as_str());
                }
            }
            None => {
                let array: Array = added.iter().map(String::as_str).collect();
                table.insert("key_value_stores", Item::Value(Value::Array(array)));
            }
        }
        document = Some(doc);
    }
    let missing_stanzas = labels
        .iter()
        .filter(|l| l.as_str() != DEFAULT_LABEL && !rc.key_value_stores.contains_key(*l))
        .cloned()
        .collect();
    Ok(Provision {
        labels,
        added,
        missing_stanzas,
        document,
    })
}
