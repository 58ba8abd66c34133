//! `runtime-config.toml`: which backend serves each key-value label.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgezero_manifest::TomlSource;

/// The backend of one `[key_value_store.<label>]` stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvBackend {
    /// `type = "spin"`: SQLite at `path` (resolved), or in memory without one.
    Spin {
        /// The resolved file, if any.
        path: Option<PathBuf>,
    },
    /// `type = "redis"`.
    Redis {
        /// `url`
        url: String,
    },
    /// Any other type (`azure_cosmos`, `aws_dynamo`, …).
    Other {
        /// The `type` value.
        kind: String,
    },
}

/// The key-value part of a runtime config file.
#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    /// The file, when one was read.
    pub path: Option<PathBuf>,
    /// Stanzas by label.
    pub kv: BTreeMap<String, KvBackend>,
}

impl RuntimeConfig {
    /// Reads a runtime config file; `path` values resolve against its directory.
    pub fn load(path: &Path) -> Result<RuntimeConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(path, &text)
    }

    /// Parses runtime config text.
    pub fn parse(path: &Path, text: &str) -> Result<RuntimeConfig> {
        let src = TomlSource::new(path, text);
        let doc: toml_edit::ImDocument<&str> = toml_edit::ImDocument::parse(text).map_err(|e| {
            src.error(
                e.span(),
                None,
                format!("invalid TOML: {}", e.message().trim()),
            )
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut kv = BTreeMap::new();
        let Some(stores) = doc.get("key_value_store") else {
            return Ok(RuntimeConfig {
                path: Some(path.to_path_buf()),
                kv,
            });
        };
        let stores = stores.as_table_like().ok_or_else(|| {
            src.error(
                stores.span(),
                Some("key_value_store".into()),
                "must be a table of [key_value_store.<label>] stanzas",
            )
        })?;
        for (label, item) in stores.iter() {
            let at = |key: &str, message: &str| {
                let span = item.get(key).and_then(|i| i.span()).or(item.span());
                src.error(
                    span,
                    Some(format!("key_value_store.{label}.{key}")),
                    message,
                )
            };
            let table = item
                .as_table_like()
                .ok_or_else(|| at("", "must be a table"))?;
            let kind = table.get("type").and_then(|t| t.as_str()).ok_or_else(|| {
                at(
                    "type",
                    "is missing; add type = \"spin\" (or \"redis\", ...)",
                )
            })?;
            let backend = match kind {
                "spin" => KvBackend::Spin {
                    path: match table.get("path") {
                        Some(p) => Some(
                            dir.join(p.as_str().ok_or_else(|| at("path", "must be a string"))?),
                        ),
                        None => None,
                    },
                },
                "redis" => KvBackend::Redis {
                    url: table
                        .get("url")
                        .and_then(|u| u.as_str())
                        .ok_or_else(|| {
                            at("url", "is missing; add url = \"redis://127.0.0.1:6379\"")
                        })?
                        .to_string(),
                },
                other => KvBackend::Other {
                    kind: other.to_string(),
                },
            };
            kv.insert(label.to_string(), backend);
        }
        Ok(RuntimeConfig {
            path: Some(path.to_path_buf()),
            kv,
        })
    }

    /// Reads `explicit`, else `runtime-config.toml` next to spin.toml when it exists.
    pub fn discover(explicit: Option<&Path>, spin_dir: &Path) -> Result<RuntimeConfig> {
        match explicit {
            Some(p) => {
                if !p.is_file() {
                    bail!("runtime config {} does not exist", p.display());
                }
                Self::load(p)
            }
            None => {
                let p = spin_dir.join("runtime-config.toml");
                if p.is_file() {
                    Self::load(&p)
                } else {
                    Ok(RuntimeConfig::default())
                }
            }
        }
    }

    /// The file name for messages.
    pub fn describe(&self) -> String {
        self.path.as_ref().map_or_else(
            || "runtime-config.toml".to_string(),
            |p| p.display().to_string(),
        )
    }
}

/// The stanza a label needs, for error messages.
pub fn stanza_for(label: &str) -> String {
    format!("[key_value_store.{label}]\ntype = \"spin\"\npath = \".spin/sqlite_key_value.db\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backends() {
        let rc = RuntimeConfig::parse(
            Path::new("/app/runtime-config.toml"),
            "[key_value_store.a]\ntype = \"spin\"\npath = \"data/kv.db\"\n[key_value_store.b]\ntype = \"spin\"\n\
             [key_value_store.c]\ntype = \"redis\"\nurl = \"redis://x\"\n[key_value_store.d]\ntype = \"azure_cosmos\"\n\
             [sqlite_database.default]\ntype = \"spin\"\n",
        )
        .unwrap();
        assert_eq!(
            rc.kv["a"],
            KvBackend::Spin {
                path: Some(PathBuf::from("/app/data/kv.db"))
            }
        );
        assert_eq!(rc.kv["b"], KvBackend::Spin { path: None });
        assert_eq!(
            rc.kv["c"],
            KvBackend::Redis {
                url: "redis://x".into()
            }
        );
        assert_eq!(
            rc.kv["d"],
            KvBackend::Other {
                kind: "azure_cosmos".into()
            }
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let err = RuntimeConfig::parse(
            Path::new("rc.toml"),
            "\n[key_value_store.x]\npath = \"a\"\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "rc.toml:2:1: `key_value_store.x.type`: is missing; add type = \"spin\" (or \"redis\", ...)"
        );
        let err = RuntimeConfig::parse(
            Path::new("rc.toml"),
            "[key_value_store.r]\ntype = \"redis\"\n",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("`key_value_store.r.url`: is missing"),
            "{err}"
        );
        let err = RuntimeConfig::parse(Path::new("rc.toml"), "[key_value_store.r\n").unwrap_err();
        assert!(
            err.to_string().starts_with("rc.toml:1:") && err.to_string().contains("invalid TOML"),
            "{err}"
        );
    }
}
