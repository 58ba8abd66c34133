//! `runtime-config.toml`: which backend serves each key-value label.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{LoadError, Source};
use crate::ids::{store_label_problem, toml_key};

/// Spin's local key-value file for the `default` label, relative to spin.toml's directory.
pub const LOCAL_KV_FILE: &str = ".spin/sqlite_key_value.db";

/// The `default` label's SQLite file for the app whose spin.toml is in `spin_dir`.
pub fn default_kv_file(spin_dir: &Path) -> PathBuf {
    spin_dir.join(LOCAL_KV_FILE)
}

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
        /// `url`, e.g. `redis://127.0.0.1:6379` (may hold a password: show it with
        /// [`redact_url`]).
        url: String,
    },
    /// A cloud backend `spin up` supports and the embedded host does not
    /// (`azure_cosmos`, `aws_dynamo`).
    Cloud {
        /// The `type` value.
        kind: String,
    },
}

impl StoreConfig {
    /// A one-line description for messages, with credentials redacted.
    pub fn describe(&self) -> String {
        match self {
            StoreConfig::Sqlite { path: Some(p) } => format!("SQLite file {}", p.display()),
            StoreConfig::Sqlite { path: None } => "in-memory SQLite".to_string(),
            StoreConfig::Redis { url } => format!("Redis at {}", redact_url(url)),
            StoreConfig::Cloud { kind } => format!("`{kind}`"),
        }
    }
}

/// A loaded runtime-config.toml.
#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    /// The file, when one was given.
    pub path: Option<PathBuf>,
    /// `[key_value_store.<label>]` stanzas.
    pub key_value_stores: BTreeMap<String, StoreConfig>,
    /// Backends `spin up` supports and the embedded host does not, each as an error naming
    /// its line.
    pub unsupported_by_embedded_host: Vec<LoadError>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    key_value_store: BTreeMap<Spanned<String>, Spanned<toml::Table>>,
}

/// The keys each cloud backend takes in Spin's runtime config.
const CLOUD_KEYS: &[(&str, &[&str])] = &[
    (
        "azure_cosmos",
        &["type", "key", "account", "database", "container"],
    ),
    (
        "aws_dynamo",
        &[
            "type",
            "region",
            "table",
            "consistent_read",
            "access_key",
            "secret_key",
            "token",
        ],
    ),
];

/// The runtime config file `spin up` would use when none is given: `runtime-config.toml`
/// next to spin.toml, if it exists.
pub const RUNTIME_CONFIG_FILE: &str = "runtime-config.toml";

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

    /// Reads `explicit`, else [`RUNTIME_CONFIG_FILE`] in `spin_dir` when it exists, else an
    /// empty config (only `default` exists).
    pub fn discover(explicit: Option<&Path>, spin_dir: &Path) -> Result<RuntimeConfig, LoadError> {
        match explicit {
            Some(p) => RuntimeConfig::load(p),
            None => {
                let p = spin_dir.join(RUNTIME_CONFIG_FILE);
                if p.is_file() {
                    RuntimeConfig::load(&p)
                } else {
                    Ok(RuntimeConfig::default())
                }
            }
        }
    }

    /// Checks the text of a runtime-config.toml at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<RuntimeConfig, LoadError> {
        let src = Source::new(path, text);
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let mut err = src.toml(&e);
            if err.message.contains("unknown field") {
                err.message.push_str(
                    "; EdgeZero reads only [key_value_store.<label>] stanzas (run other runtime configuration with `spin up`)",
                );
            }
            err
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut stores = BTreeMap::new();
        let mut unsupported = Vec::new();
        for (label, table) in &raw.key_value_store {
            if let Some(problem) = store_label_problem(label.get_ref()) {
                return Err(src.at(
                    label.span(),
                    format!("key_value_store.{}", toml_key(label.get_ref())),
                    format!(
                        "`{}` is not a valid store label: {problem}",
                        label.get_ref().escape_debug()
                    ),
                ));
            }
            let store = store(&src, dir, label.get_ref(), table)?;
            if let StoreConfig::Cloud { kind } = &store {
                unsupported.push(src.at_key(
                    &["key_value_store", label.get_ref(), "type"],
                    table.span(),
                    format!("`type = \"{kind}\"` is supported by `spin up` but not by the embedded host; use \"spin\" or \"redis\" locally"),
                ));
            }
            stores.insert(label.get_ref().clone(), store);
        }
        Ok(RuntimeConfig {
            path: Some(path.to_path_buf()),
            key_value_stores: stores,
            unsupported_by_embedded_host: unsupported,
        })
    }

    /// The file name for messages.
    pub fn describe(&self) -> String {
        self.path.as_ref().map_or_else(
            || format!("{RUNTIME_CONFIG_FILE} (none found)"),
            |p| p.display().to_string(),
        )
    }

    /// Checks that the embedded host can serve every backend this file declares.
    pub fn check_embedded_host_support(&self) -> Result<(), LoadError> {
        match self.unsupported_by_embedded_host.first() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

/// The stanza that declares `label` as a file-backed Spin SQLite store, as TOML.
pub fn stanza_for(label: &str) -> String {
    format!(
        "[key_value_store.{}]\ntype = \"spin\"\npath = \"{LOCAL_KV_FILE}\"",
        toml_key(label)
    )
}

/// `url` with any password (and user name) replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://***@{}{tail}", &authority[at + 1..]),
        None => url.to_string(),
    }
}

fn store(
    src: &Source<'_>,
    dir: &Path,
    label: &str,
    table: &Spanned<toml::Table>,
) -> Result<StoreConfig, LoadError> {
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
                format!(
                    "unknown key `{}`; expected {}",
                    extra.escape_debug(),
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
        }
    };
    let Some(kind) = string("type")? else {
        return Err(src.error(
            Some(table.span()),
            Some(format!("key_value_store.{}.type", toml_key(label))),
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
                    Some(format!("key_value_store.{}.url", toml_key(label))),
                    "a redis store needs `url = \"redis://127.0.0.1:6379\"`",
                ));
            };
            let scheme_ok = ["redis://", "rediss://", "redis+unix://", "unix://"]
                .iter()
                .any(|s| url.starts_with(s));
            if !scheme_ok || url.len() <= url.find("://").map_or(0, |i| i + 3) {
                return Err(src.at_key(
                    &["key_value_store", label, "url"],
                    table.span(),
                    format!(
                        "`{}` is not a Redis URL; e.g. redis://127.0.0.1:6379 (or rediss:// for TLS)",
                        redact_url(&url).escape_debug()
                    ),
                ));
            }
            Ok(StoreConfig::Redis { url })
        }
        other => match CLOUD_KEYS.iter().find(|(k, _)| *k == other) {
            Some((_, keys)) => {
                only(keys)?;
                Ok(StoreConfig::Cloud {
                    kind: other.to_string(),
                })
            }
            None => Err(src.at_key(
                &["key_value_store", label, "type"],
                table.span(),
                format!(
                    "unknown key-value store type `{}`; use \"spin\" (SQLite), \"redis\", \"azure_cosmos\" or \"aws_dynamo\"",
                    other.escape_debug()
                ),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("redis://:s3cret@db:6379/0"),
            "redis://***@db:6379/0"
        );
        assert_eq!(redact_url("redis://user:pw@db"), "redis://***@db");
        assert_eq!(redact_url("redis://db:6379"), "redis://db:6379");
        assert_eq!(redact_url("redis://db/a@b"), "redis://db/a@b");
        assert_eq!(redact_url("nope"), "nope");
        let rc = RuntimeConfig::parse(
            Path::new("rc.toml"),
            "[key_value_store.c]\ntype = \"redis\"\nurl = \"redis://:pw@h:1\"\n",
        )
        .unwrap();
        assert_eq!(
            rc.key_value_stores["c"].describe(),
            "Redis at redis://***@h:1"
        );
    }

    #[test]
    fn stanzas_are_valid_toml() {
        let text = stanza_for("my store");
        let rc = RuntimeConfig::parse(Path::new("/a/rc.toml"), &text);
        // a quoted, invalid label is still reported as invalid, but the text parses as TOML
        assert!(rc.unwrap_err().message.contains("not a valid store label"));
        assert!(text.starts_with("[key_value_store.\"my store\"]"));
        let rc = RuntimeConfig::parse(Path::new("/a/rc.toml"), &stanza_for("app_config")).unwrap();
        assert_eq!(
            rc.key_value_stores["app_config"],
            StoreConfig::Sqlite {
                path: Some(PathBuf::from("/a/.spin/sqlite_key_value.db"))
            }
        );
    }

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
        let rc = parse("[key_value_store.c]\ntype = \"aws_dynamo\"\nregion = \"x\"\n").unwrap();
        let e = rc.check_embedded_host_support().unwrap_err();
        assert!(e.message.contains("spin up"), "{e}");
        let e = parse("[key_value_store.c]\ntype = \"aws_dynamo\"\nregoin = \"x\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("key_value_store.c.regoin"), "{e}");
        let e = parse("[key_value_store.\"Bad Label!\"]\ntype = \"spin\"\n").unwrap_err();
        assert!(e.message.contains("not a valid store label"), "{e}");
        let e = parse("[sqlite_database.default]\ntype = \"spin\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.message.contains("[key_value_store.<label>]"), "{e}");
    }
}
