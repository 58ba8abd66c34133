//! `runtime-config.toml`: which backend serves each key-value label.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{LoadError, Source};

/// The backend of one key-value label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// `type = "spin"`: Spin's SQLite store, in a file or (without `path`) in memory.
    Sqlite {
        /// The database file, resolved against the runtime-config file's directory.
        path: Option<PathBuf>,
    },
    /// `type = "redis"`: a Redis server.
    Redis {
        /// `url`, e.g. `redis://127.0.0.1:6379`.
        url: String,
    },
}

/// A loaded runtime-config.toml.
#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    /// The file, when one was given.
    pub path: Option<PathBuf>,
    /// `[key_value_store.<label>]` stanzas.
    pub key_value_stores: BTreeMap<String, StoreConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    key_value_store: BTreeMap<Spanned<String>, Spanned<toml::Table>>,
}

const NOT_EMBEDDED: &[&str] = &["azure_cosmos", "aws_dynamo"];

impl RuntimeConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<RuntimeConfig, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|e| LoadError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            key: None,
            message: format!("cannot read the runtime config: {e}"),
        })?;
        RuntimeConfig::parse(path, &text)
    }

    /// Checks the text of a runtime-config.toml at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<RuntimeConfig, LoadError> {
        let src = Source::new(path, text);
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let mut err = src.toml(&e);
            if err.message.contains("unknown field") {
                err.message.push_str(
                    "; the embedded host reads only [key_value_store.<label>] stanzas (run other runtime configuration with `spin up`)",
                );
            }
            err
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut stores = BTreeMap::new();
        for (label, table) in &raw.key_value_store {
            let store = store(&src, dir, label.get_ref(), table)?;
            stores.insert(label.get_ref().clone(), store);
        }
        Ok(RuntimeConfig {
            path: Some(path.to_path_buf()),
            key_value_stores: stores,
        })
    }
}

fn store(
    src: &Source<'_>,
    dir: &Path,
    label: &str,
    table: &Spanned<toml::Table>,
) -> Result<StoreConfig, LoadError> {
    let key = |k: &str| format!("key_value_store.{label}.{k}");
    let t = table.get_ref();
    let string = |k: &str| -> Result<Option<String>, LoadError> {
        match t.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(src.at_key(
                &["key_value_store", label, k],
                table.span(),
                "must be a string",
            )),
        }
    };
    let only = |allowed: &[&str]| -> Result<(), LoadError> {
        match t.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(extra) => Err(src.at_key(
                &["key_value_store", label, extra],
                table.span(),
                format!("unknown key `{extra}`; expected {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    };
    let Some(kind) = string("type")? else {
        return Err(src.error(
            Some(table.span()),
            Some(format!("key_value_store.{label}")),
            "missing `type`: use `type = \"spin\"` (SQLite) or `type = \"redis\"`",
        ));
    };
    match kind.as_str() {
        "spin" => {
            only(&["type", "path"])?;
            Ok(StoreConfig::Sqlite {
                path: string("path")?.map(|p| dir.join(p)),
            })
        }
        "redis" => {
            only(&["type", "url"])?;
            let Some(url) = string("url")? else {
                return Err(src.error(
                    Some(table.span()),
                    Some(key("url")),
                    "a redis store needs `url = \"redis://127.0.0.1:6379\"`",
                ));
            };
            if let Err(e) = redis::Client::open(url.as_str()) {
                return Err(src.at_key(
                    &["key_value_store", label, "url"],
                    table.span(),
                    format!("`{url}` is not a Redis URL ({e}); e.g. redis://127.0.0.1:6379"),
                ));
            }
            Ok(StoreConfig::Redis { url })
        }
        other if NOT_EMBEDDED.contains(&other) => Err(src.at_key(
            &["key_value_store", label, "type"],
            table.span(),
            format!("`type = \"{other}\"` is supported by `spin up` but not by the embedded host; use \"spin\" or \"redis\" locally"),
        )),
        other => Err(src.at_key(
            &["key_value_store", label, "type"],
            table.span(),
            format!("unknown key-value store type `{other}`; use \"spin\" (SQLite) or \"redis\""),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RuntimeConfig, LoadError> {
        RuntimeConfig::parse(Path::new("/app/rc/runtime-config.toml"), text)
    }

    #[test]
    fn reads_stores() {
        let rc = parse(
            "[key_value_store.data]\ntype = \"spin\"\npath = \".spin/kv.db\"\n\n[key_value_store.mem]\ntype = \"spin\"\n\n[key_value_store.cache]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379\"\n",
        )
        .unwrap();
        assert_eq!(
            rc.key_value_stores["data"],
            StoreConfig::Sqlite {
                path: Some(PathBuf::from("/app/rc/.spin/kv.db"))
            }
        );
        assert_eq!(
            rc.key_value_stores["mem"],
            StoreConfig::Sqlite { path: None }
        );
        assert_eq!(
            rc.key_value_stores["cache"],
            StoreConfig::Redis {
                url: "redis://127.0.0.1:6379".into()
            }
        );
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = parse("[key_value_store.data]\ntype = \"spin\"\npaht = \"x\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert_eq!(e.key.as_deref(), Some("key_value_store.data.paht"));
        let e = parse("[key_value_store.data]\npath = \"x\"\n").unwrap_err();
        assert!(e.message.contains("missing `type`"), "{e}");
        let e = parse("\n[key_value_store.c]\ntype = \"redis\"\n").unwrap_err();
        assert!(e.to_string().contains("`key_value_store.c.url`"), "{e}");
        let e = parse("[key_value_store.c]\ntype = \"redis\"\nurl = \"nope\"\n").unwrap_err();
        assert!(e.message.contains("not a Redis URL"), "{e}");
        let e = parse("[key_value_store.c]\ntype = \"aws_dynamo\"\n").unwrap_err();
        assert!(e.message.contains("spin up"), "{e}");
        let e = parse("[sqlite_database.default]\ntype = \"spin\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.message.contains("[key_value_store.<label>]"), "{e}");
    }
}
