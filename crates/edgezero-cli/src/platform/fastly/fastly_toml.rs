//! The parts of `fastly.toml` the CLI reads: the service's name, and the stores and
//! backends of `[local_server]` (Viceroy) and `[setup]` (the first deploy). Viceroy's
//! aliases are understood (`object_stores` for `kv_stores`, `dictionaries` for
//! `config_stores`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A section of stores or backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `kv_stores` (alias `object_stores`).
    Kv,
    /// `config_stores` (alias `dictionaries`).
    Config,
    /// `secret_stores`.
    Secrets,
    /// `backends`.
    Backends,
}

impl Section {
    /// The section's key, then its aliases.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Section::Kv => &["kv_stores", "object_stores"],
            Section::Config => &["config_stores", "dictionaries"],
            Section::Secrets => &["secret_stores"],
            Section::Backends => &["backends"],
        }
    }

    /// The kind of store in edgezero.toml (`[stores.<kind>]`).
    pub fn kind(self) -> &'static str {
        match self {
            Section::Kv => "kv",
            Section::Config => "config",
            Section::Secrets => "secrets",
            Section::Backends => "backends",
        }
    }

    /// The canonical key.
    pub fn key(self) -> &'static str {
        self.keys()[0]
    }
}

/// A parsed fastly.toml.
#[derive(Debug, Clone)]
pub struct FastlyToml {
    /// Where it is.
    pub path: PathBuf,
    /// The whole document.
    pub doc: toml::Table,
}

impl FastlyToml {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<FastlyToml> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let doc: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        Ok(FastlyToml {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// The directory relative paths of the file resolve against.
    pub fn dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// `name`.
    pub fn name(&self) -> Option<&str> {
        self.doc.get("name").and_then(|n| n.as_str())
    }

    fn table(&self, top: &str, section: Section) -> Vec<(&String, &toml::Value)> {
        let Some(top) = self.doc.get(top).and_then(|t| t.as_table()) else {
            return Vec::new();
        };
        section
            .keys()
            .iter()
            .filter_map(|k| top.get(*k).and_then(|t| t.as_table()))
            .flat_map(|t| t.iter())
            .collect()
    }

    /// The entries of `[local_server.<section>]`, by name.
    pub fn local(&self, section: Section) -> Vec<(&String, &toml::Value)> {
        self.table("local_server", section)
    }

    /// Whether `[local_server.<section>]` declares `name`.
    pub fn has_local(&self, section: Section, name: &str) -> bool {
        self.local(section).iter().any(|(n, _)| n.as_str() == name)
    }

    /// Whether `[setup.<section>]` declares `name`.
    pub fn has_setup(&self, section: Section, name: &str) -> bool {
        self.table("setup", section)
            .iter()
            .any(|(n, _)| n.as_str() == name)
    }

    /// The local runtime's section (`[local_server]`), as written.
    pub fn local_server(&self) -> toml::Table {
        self.doc
            .get("local_server")
            .and_then(|t| t.as_table())
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stores_under_their_aliases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fastly.toml");
        std::fs::write(
            &path,
            "name = \"app\"\n[local_server.object_stores]\ncache = []\n[local_server.kv_stores]\ndefault = []\n[local_server.dictionaries.cfg]\nformat = \"inline-toml\"\n[setup.kv_stores.default]\n",
        )
        .unwrap();
        let f = FastlyToml::load(&path).unwrap();
        assert_eq!(f.name(), Some("app"));
        assert!(f.has_local(Section::Kv, "default") && f.has_local(Section::Kv, "cache"));
        assert!(f.has_local(Section::Config, "cfg"));
        assert!(f.has_setup(Section::Kv, "default") && !f.has_setup(Section::Kv, "cache"));
    }
}
