//! The local stores of `edgezero serve --adapter fastly`, in the app's folder (default
//! `.edgezero/fastly/state`), in the formats Viceroy loads:
//!
//! ```text
//! <state>/kv/<store>.json           {"key": {"data": "text", "metadata": "..."}, "bin": {"file": "<abs path>"}}
//! <state>/kv/<store>.blobs/<hash>   values that are not UTF-8 text
//! <state>/config/<store>.json       {"key": "value", ..., "edgezero.entries": "<index>"}
//! ```
//!
//! Viceroy reads a KV file once, when it starts (the serve then keeps it up to date with
//! the writes the app reports), and a config file each time a store is opened, so a
//! `config push --local` reaches a running app.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

/// One KV item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The value.
    pub value: Vec<u8>,
    /// Its metadata (the adapter keeps an expiry there).
    pub metadata: Option<String>,
}

/// The items of one KV store, by key.
pub type Items = BTreeMap<String, Item>;

/// The state directory of a serve.
#[derive(Debug, Clone)]
pub struct State {
    /// `<state>`.
    pub dir: PathBuf,
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn read_json_object(path: &Path) -> Result<Option<Map<String, Value>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) | Err(_) => bail!(
            "{} is not a JSON object; delete it to start the store empty",
            path.display()
        ),
    }
}

impl State {
    /// The state under `dir`.
    pub fn new(dir: PathBuf) -> State {
        State { dir }
    }

    /// The file Viceroy loads KV store `store` from.
    pub fn kv_file(&self, store: &str) -> PathBuf {
        self.dir.join("kv").join(format!("{store}.json"))
    }

    fn blob_dir(&self, store: &str) -> PathBuf {
        self.dir.join("kv").join(format!("{store}.blobs"))
    }

    /// The file Viceroy reads config store `store` from.
    pub fn config_file(&self, store: &str) -> PathBuf {
        self.dir.join("config").join(format!("{store}.json"))
    }

    /// The items of KV store `store`; `None` when it was never written.
    pub fn load_kv(&self, store: &str) -> Result<Option<Items>> {
        let path = self.kv_file(store);
        let Some(map) = read_json_object(&path)? else {
            return Ok(None);
        };
        parse_kv(&map, &self.dir).map(Some).with_context(|| {
            format!(
                "{} is not a KV store file; delete it to start the store empty",
                path.display()
            )
        })
    }

    /// Writes the items of KV store `store` (values that are not text as files of their own).
    pub fn save_kv(&self, store: &str, items: &Items) -> Result<()> {
        let blobs = self.blob_dir(store);
        let mut map = Map::new();
        let mut kept = Vec::new();
        for (key, item) in items {
            let mut entry = Map::new();
            match std::str::from_utf8(&item.value) {
                Ok(text) => {
                    entry.insert("data".into(), Value::String(text.to_string()));
                }
                Err(_) => {
                    let name = format!("{:016x}", hash(key));
                    let file = blobs.join(&name);
                    write_atomically(&file, &item.value)?;
                    kept.push(name);
                    entry.insert("file".into(), Value::String(file.display().to_string()));
                }
            }
            if let Some(meta) = &item.metadata {
                entry.insert("metadata".into(), Value::String(meta.clone()));
            }
            map.insert(key.clone(), Value::Object(entry));
        }
        write_atomically(
            &self.kv_file(store),
            serde_json::to_string_pretty(&Value::Object(map))?.as_bytes(),
        )?;
        if let Ok(dir) = std::fs::read_dir(&blobs) {
            for entry in dir.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !kept.contains(&name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }

    /// The entries of config store `store` (the index entries left out).
    pub fn load_config(&self, store: &str) -> Result<Option<Vec<(String, String)>>> {
        let path = self.config_file(store);
        let Some(map) = read_json_object(&path)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for (k, v) in map {
            if is_index_key(&k) {
                continue;
            }
            match v {
                Value::String(s) => out.push((k, s)),
                other => bail!(
                    "{}: the value of `{k}` is {other}, not a string; delete the file to start the store empty",
                    path.display()
                ),
            }
        }
        Ok(Some(out))
    }

    /// Writes `entries` into config store `store` (replacing the values of keys it has,
    /// keeping the others), with the index of every entry. Returns how many were written.
    pub fn push_config(&self, store: &str, entries: &[(String, String)]) -> Result<usize> {
        for (k, v) in entries {
            if let Some(problem) = edgezero_fastly_names::config_entry_problem(k, v) {
                bail!("{problem}");
            }
        }
        let mut all: BTreeMap<String, String> = self
            .load_config(store)?
            .unwrap_or_default()
            .into_iter()
            .collect();
        for (k, v) in entries {
            all.insert(k.clone(), v.clone());
        }
        let all: Vec<(String, String)> = all.into_iter().collect();
        let map: Map<String, Value> = edgezero_fastly_names::with_index(&all)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        write_atomically(
            &self.config_file(store),
            serde_json::to_string_pretty(&Value::Object(map))?.as_bytes(),
        )?;
        Ok(entries.len())
    }
}

fn is_index_key(key: &str) -> bool {
    key == edgezero_fastly_names::ENTRIES_KEY
        || key
            .strip_prefix(edgezero_fastly_names::ENTRIES_KEY)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

fn hash(key: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// Items of a KV file in Viceroy's JSON format (`file` paths relative to `base`).
pub fn parse_kv(map: &Map<String, Value>, base: &Path) -> Result<Items> {
    let mut items = Items::new();
    for (key, value) in map {
        let item = match value {
            Value::String(s) => Item {
                value: s.clone().into_bytes(),
                metadata: None,
            },
            Value::Object(obj) => {
                let value = match (obj.get("data"), obj.get("file")) {
                    (Some(Value::String(d)), None) => d.clone().into_bytes(),
                    (None, Some(Value::String(f))) => {
                        let path = base.join(f);
                        std::fs::read(&path)
                            .with_context(|| format!("cannot read {}", path.display()))?
                    }
                    _ => bail!("`{key}` needs exactly one of \"data\" or \"file\""),
                };
                let metadata = match obj.get("metadata") {
                    Some(Value::String(m)) => Some(m.clone()),
                    None => None,
                    Some(_) => bail!("`{key}`: \"metadata\" must be a string"),
                };
                Item { value, metadata }
            }
            _ => bail!("`{key}` must be a string or an object"),
        };
        items.insert(key.clone(), item);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_items_round_trip_text_and_binary() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::new(dir.path().to_path_buf());
        assert_eq!(state.load_kv("default").unwrap(), None);
        let mut items = Items::new();
        items.insert(
            "text".into(),
            Item {
                value: b"hello".to_vec(),
                metadata: Some("edgezero-expires-ms=1".into()),
            },
        );
        items.insert(
            "counter".into(),
            Item {
                value: (-2i64).to_le_bytes().to_vec(),
                metadata: None,
            },
        );
        state.save_kv("default", &items).unwrap();
        assert_eq!(state.load_kv("default").unwrap(), Some(items.clone()));
        assert_eq!(
            std::fs::read_dir(dir.path().join("kv/default.blobs"))
                .unwrap()
                .count(),
            1,
            "a value that is not text is a file of its own"
        );
        items.remove("counter");
        state.save_kv("default", &items).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("kv/default.blobs"))
                .unwrap()
                .count(),
            0,
            "the blob of a removed key is removed"
        );
    }

    #[test]
    fn config_pushes_merge_and_keep_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::new(dir.path().to_path_buf());
        state
            .push_config("app", &[("a.b".into(), "1".into())])
            .unwrap();
        state
            .push_config(
                "app",
                &[("c".into(), "2".into()), ("a.b".into(), "3".into())],
            )
            .unwrap();
        let text = std::fs::read_to_string(state.config_file("app")).unwrap();
        let map: Map<String, Value> = serde_json::from_str(&text).unwrap();
        let index = map[edgezero_fastly_names::ENTRIES_KEY].as_str().unwrap();
        let mut listed = edgezero_fastly_names::parse_index(index).unwrap();
        listed.sort();
        assert_eq!(
            listed,
            vec![("a.b".into(), "3".into()), ("c".into(), "2".into())]
        );
        assert_eq!(state.load_config("app").unwrap().unwrap().len(), 2);
        let err = state
            .push_config("app", &[("k".into(), "v".repeat(8001))])
            .unwrap_err();
        assert!(err.to_string().contains("at most 8000"), "{err}");
    }

    #[test]
    fn a_broken_file_names_itself_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::new(dir.path().to_path_buf());
        std::fs::create_dir_all(dir.path().join("kv")).unwrap();
        std::fs::write(state.kv_file("default"), "[1]").unwrap();
        let err = format!("{:#}", state.load_kv("default").unwrap_err());
        assert!(
            err.contains("default.json") && err.contains("delete it"),
            "{err}"
        );
    }
}
