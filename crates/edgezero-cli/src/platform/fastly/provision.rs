//! `edgezero provision --adapter fastly`: every KV, config and secrets id of edgezero.toml
//! gets its store in fastly.toml: under `[local_server]` (what Viceroy runs with) and under
//! `[setup]` (what the Fastly CLI creates and links on the first deploy). Comments and the
//! rest of the file are kept; a second run changes nothing.

use std::path::Path;

use anyhow::{Context, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use super::fastly_toml::Section;
use super::{fastly_toml_path, store_name};

/// One store to declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    /// Its section.
    pub section: Section,
    /// Its name.
    pub name: String,
    /// The id it serves, for the description.
    pub id: String,
}

/// Every store of `manifest`, named.
pub fn stores(manifest: &Manifest) -> Vec<Store> {
    let mut out: Vec<Store> = Vec::new();
    for (kind, section, ids) in [
        (StoreKind::Kv, Section::Kv, &manifest.stores.kv.ids),
        (
            StoreKind::Config,
            Section::Config,
            &manifest.stores.config.ids,
        ),
        (
            StoreKind::Secrets,
            Section::Secrets,
            &manifest.stores.secrets.ids,
        ),
    ] {
        for id in ids {
            let name = store_name(manifest, kind, id);
            if !out.iter().any(|s| s.section == section && s.name == name) {
                out.push(Store {
                    section,
                    name,
                    id: id.clone(),
                });
            }
        }
    }
    out
}

fn table_at<'a>(doc: &'a mut DocumentMut, top: &str, key: &str) -> Option<&'a mut Table> {
    let top = doc
        .entry(top)
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()?;
    top.entry(key)
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
}

fn has(doc: &DocumentMut, top: &str, section: Section, name: &str) -> bool {
    section.keys().iter().any(|k| {
        doc.get(top)
            .and_then(|t| t.get(k))
            .and_then(|t| t.get(name))
            .is_some()
    })
}

/// Adds what `stores` lack to the document; returns a line per addition.
pub fn apply(doc: &mut DocumentMut, stores: &[Store]) -> Vec<String> {
    let mut added = Vec::new();
    for store in stores {
        let key = store.section.key();
        if !has(doc, "local_server", store.section, &store.name) {
            let Some(table) = table_at(doc, "local_server", key) else {
                continue;
            };
            let value = match store.section {
                Section::Config => {
                    let mut t = InlineTable::new();
                    t.insert("format", Value::from("inline-toml"));
                    t.insert("contents", Value::InlineTable(InlineTable::new()));
                    Value::InlineTable(t)
                }
                _ => Value::Array(Array::new()),
            };
            table.insert(&store.name, Item::Value(value));
            added.push(format!("[local_server.{key}] {}", store.name));
        }
        if !has(doc, "setup", store.section, &store.name) {
            let Some(table) = table_at(doc, "setup", key) else {
                continue;
            };
            let mut t = Table::new();
            t.insert(
                "description",
                toml_edit::value(format!(
                    "EdgeZero {} id `{}`",
                    store.section.key(),
                    store.id
                )),
            );
            table.insert(&store.name, Item::Table(t));
            added.push(format!("[setup.{key}.{}]", store.name));
        }
    }
    added
}

/// Runs `edgezero provision --adapter fastly`.
pub fn run(manifest: &Manifest, dry_run: bool) -> Result<()> {
    let path = fastly_toml_path(manifest)?;
    let added = provision_file(&path, &stores(manifest), dry_run)?;
    if added.is_empty() {
        eprintln!("{}: every store is declared; nothing to do", path.display());
        return Ok(());
    }
    for line in &added {
        eprintln!(
            "{} {line} in {}",
            if dry_run { "would add" } else { "added" },
            path.display()
        );
    }
    if dry_run {
        eprintln!("dry run: nothing was written");
    }
    Ok(())
}

/// Declares `stores` in the fastly.toml at `path` (unless `dry_run`).
pub fn provision_file(path: &Path, stores: &[Store], dry_run: bool) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let added = apply(&mut doc, stores);
    if !added.is_empty() && !dry_run {
        std::fs::write(path, doc.to_string())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declares_each_store_once_and_keeps_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fastly.toml");
        std::fs::write(
            &path,
            "# my service\nname = \"app\"\n\n[local_server.object_stores]\ncache = [] # kept\n",
        )
        .unwrap();
        let stores = vec![
            Store {
                section: Section::Kv,
                name: "cache".into(),
                id: "cache".into(),
            },
            Store {
                section: Section::Kv,
                name: "default".into(),
                id: "default".into(),
            },
            Store {
                section: Section::Config,
                name: "app".into(),
                id: "app".into(),
            },
            Store {
                section: Section::Secrets,
                name: "default".into(),
                id: "default".into(),
            },
        ];
        let added = provision_file(&path, &stores, false).unwrap();
        assert_eq!(added.len(), 7, "{added:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my service\n") && text.contains("cache = [] # kept"),
            "{text}"
        );
        let f = super::super::fastly_toml::FastlyToml::load(&path).unwrap();
        for s in &stores {
            assert!(
                f.has_local(s.section, &s.name) && f.has_setup(s.section, &s.name),
                "{s:?}\n{text}"
            );
        }
        assert!(provision_file(&path, &stores, false).unwrap().is_empty());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "a second run changes nothing"
        );
    }
}
