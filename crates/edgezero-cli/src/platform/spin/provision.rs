//! Writing the labels of every KV and config id into `[component.<id>].key_value_stores`.

use anyhow::{Context, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;
use toml_edit::{Array, Item, Value};

use super::discovery::SpinApp;
use super::runtime_config::RuntimeConfig;
use super::DEFAULT_LABEL;

/// What provisioning found and changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Provision {
    /// Every label the app needs, in manifest order (KV ids, then config ids).
    pub labels: Vec<String>,
    /// Labels added to `key_value_stores` by this run.
    pub added: Vec<String>,
    /// Labels (other than `default`) with no `[key_value_store.<label>]` stanza.
    pub missing_stanzas: Vec<String>,
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

/// The labels the app needs on Spin.
pub fn wanted_labels(app: &SpinApp, manifest: &Manifest) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for (kind, id) in label_backed_ids(manifest) {
        let label = app.label(kind, id);
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels
}

/// Adds missing labels to the chosen component's `key_value_stores`, keeping comments and
/// layout. Idempotent: a second run adds nothing.
pub fn apply(app: &mut SpinApp, manifest: &Manifest, rc: &RuntimeConfig) -> Result<Provision> {
    let labels = wanted_labels(app, manifest);
    let existing = app.key_value_stores();
    let added: Vec<String> = labels
        .iter()
        .filter(|l| !existing.contains(l))
        .cloned()
        .collect();
    if !added.is_empty() {
        let component = app.component.clone();
        let table = app.doc["component"][component.as_str()]
            .as_table_like_mut()
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
    }
    let missing_stanzas = labels
        .iter()
        .filter(|l| l.as_str() != DEFAULT_LABEL && !rc.kv.contains_key(*l))
        .cloned()
        .collect();
    Ok(Provision {
        labels,
        added,
        missing_stanzas,
    })
}
