//! Finds the `#[secret]` fields of the project's `#[derive(AppConfig)]` structs by reading its
//! Rust sources, so `config validate` learns them without the user listing them again.
//!
//! Every `.rs` file under the manifest's directory is parsed (`target/` and hidden
//! directories are skipped; symlinks are followed, each directory and file read once, so a
//! symlinked crate is checked and a symlink loop ends); structs that derive `AppConfig`
//! (directly or in inline modules) are read with `edgezero-config-schema`, the code the derive
//! itself runs, and nested tables are resolved by type name
//! ([`edgezero_config_schema::secret_paths`]). Files that do not parse and structs that break
//! the derive's rules are skipped with a warning: the compiler reports them too. Sources that
//! cannot be read at all are listed apart ([`Scan::unread`]): a `#[secret]` field in them
//! would go unchecked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use edgezero_config_schema::{derives_app_config, secret_paths, ConfigStruct};

/// A `#[secret]` field and its dotted config key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFieldRef {
    /// The dotted config key, relative to the root config type.
    pub key: String,
    /// The field is `Option<String>`.
    pub optional: bool,
    /// `Type.field` of the struct that declares it.
    pub field: String,
    /// The root config type the key is relative to.
    pub root: String,
    /// The source file of the declaring struct.
    pub source: PathBuf,
}

/// What [`scan`] found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every `#[secret]` field of every root config type.
    pub secrets: Vec<SecretFieldRef>,
    /// Files or structs that were skipped, and why.
    pub warnings: Vec<String>,
    /// Sources (or directories of sources) that could not be read, each with what to do:
    /// the check is incomplete until they can.
    pub unread: Vec<String>,
}

const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// Scans the Rust sources under `root`.
pub fn scan(root: &Path) -> Scan {
    let mut out = Scan::default();
    let mut walk = Walk {
        root,
        files: Vec::new(),
        seen: HashSet::new(),
        unread: Vec::new(),
        warnings: Vec::new(),
    };
    if let Ok(canonical) = std::fs::canonicalize(root) {
        walk.seen.insert(canonical);
    }
    walk.dir(root);
    let Walk {
        mut files,
        unread,
        warnings,
        ..
    } = walk;
    out.unread = unread;
    out.warnings = warnings;
    files.sort();
    let mut structs: Vec<(ConfigStruct, PathBuf)> = Vec::new();
    for file in files {
        let text = match std::fs::read(&file).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => {
                out.unread.push(format!(
                    "{} is not UTF-8 ({}), so the #[secret] check could not read it; Rust sources are UTF-8: re-save it as UTF-8, or move it out of {} if it is not part of the app",
                    file.display(),
                    e.utf8_error(),
                    root.display()
                ));
                continue;
            }
            Err(e) => {
                out.unread.push(format!(
                    "{}, so the #[secret] check could not read it; make it readable, or move it out of {} if it is not part of the app",
                    crate::files::why_unreadable(&file, &e),
                    root.display()
                ));
                continue;
            }
        };
        if !text.contains("AppConfig") {
            continue;
        }
        match syn::parse_file(&text) {
            Ok(parsed) => collect(&parsed.items, &file, &mut structs, &mut out.warnings),
            Err(e) => out.warnings.push(format!(
                "{}: not valid Rust ({e}); its AppConfig structs, if any, were not checked",
                file.display()
            )),
        }
    }
    let (schemas, sources): (Vec<ConfigStruct>, Vec<PathBuf>) = structs.into_iter().unzip();
    for p in secret_paths(&schemas) {
        let found = SecretFieldRef {
            key: p.key,
            optional: p.optional,
            field: format!("{}.{}", schemas[p.owner].name, p.field),
            root: schemas[p.root].name.to_string(),
            source: sources[p.owner].clone(),
        };
        if !out.secrets.contains(&found) {
            out.secrets.push(found);
        }
    }
    out
}

/// The `.rs` files under a directory, following symlinks.
struct Walk<'a> {
    root: &'a Path,
    files: Vec<PathBuf>,
    /// Canonical paths of the directories and files already taken: a symlink back to an
    /// ancestor (a loop) or to something already scanned is not read again.
    seen: HashSet<PathBuf>,
    unread: Vec<String>,
    warnings: Vec<String>,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                return self.unread.push(format!(
                    "cannot list {} ({e}), so the #[secret] check skipped the sources under it; make it readable, or move it out of {} if it is not part of the app",
                    dir.display(),
                    self.root.display()
                ));
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.unread.push(format!(
                        "cannot list {} ({e}), so the #[secret] check may have missed sources in it; make it readable",
                        dir.display()
                    ));
                    break;
                }
            };
            self.entry(&entry.path(), entry.file_type());
        }
    }

    fn entry(&mut self, path: &Path, kind: std::io::Result<std::fs::FileType>) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let is_rs = name.ends_with(".rs");
        let skipped_dir = name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref());
        // Through a symlink: what it leads to.
        let kind = match kind {
            Ok(k) if k.is_symlink() => std::fs::metadata(path).map(|m| m.file_type()),
            other => other,
        };
        let kind = match kind {
            Ok(kind) => kind,
            // Hidden: skipped like hidden directories (an editor's lock file, such as
            // Emacs's `.#lib.rs`, is a symlink to nothing).
            Err(_) if name.starts_with('.') => return,
            Err(e) => {
                let why = crate::files::why_unreadable(path, &e);
                if is_rs {
                    self.unread.push(format!(
                        "{why}, so the #[secret] check could not read it; fix the link or remove it"
                    ));
                } else if !SKIPPED_DIRS.contains(&name.as_ref()) {
                    self.warnings.push(format!(
                        "{why}; if it leads to Rust sources, their #[secret] fields were not checked: fix the link or remove it"
                    ));
                }
                return;
            }
        };
        if !((kind.is_dir() && !skipped_dir) || (kind.is_file() && is_rs)) {
            return;
        }
        let canonical = match std::fs::canonicalize(path) {
            Ok(canonical) => canonical,
            Err(e) => {
                return self.unread.push(format!(
                    "{}, so the #[secret] check skipped it; fix the path or remove it",
                    crate::files::why_unreadable(path, &e)
                ));
            }
        };
        // A loop, or a second way to something already taken, is not read again.
        if !self.seen.insert(canonical) {
            return;
        }
        if kind.is_dir() {
            self.dir(path);
        } else {
            self.files.push(path.to_path_buf());
        }
    }
}

fn collect(
    items: &[syn::Item],
    file: &Path,
    out: &mut Vec<(ConfigStruct, PathBuf)>,
    warnings: &mut Vec<String>,
) {
    for item in items {
        match item {
            syn::Item::Struct(s) if derives_app_config(&s.attrs) => {
                match edgezero_config_schema::parse(&syn::DeriveInput::from(s.clone())) {
                    Ok(schema) => out.push((schema, file.to_path_buf())),
                    Err(e) => warnings.push(format!(
                        "{}: struct {} breaks a rule of #[derive(AppConfig)] ({e}); not checked",
                        file.display(),
                        s.ident
                    )),
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect(items, file, out, warnings);
                }
            }
            _ => {}
        }
    }
}

/// A `#[secret]` field's entry in the config file.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    /// The field.
    pub field: SecretFieldRef,
    /// The entry's value: the secret's name.
    pub name: String,
    /// The config file.
    pub file: PathBuf,
    /// The entry's line in it.
    pub line: usize,
}

impl SecretEntry {
    /// `config.toml:3: `api_token` (#[secret] field Settings.api_token in src/lib.rs)`.
    pub(crate) fn who(&self) -> String {
        format!(
            "{}:{}: `{}` (#[secret] field {} in {})",
            self.file.display(),
            self.line,
            self.field.key,
            self.field.field,
            self.field.source.display()
        )
    }

    /// The secret's name as the runtime reads it: lower-cased.
    pub(crate) fn lower(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_secrets_through_nested_structs_and_modules() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "crates/app/src/lib.rs",
            "#[derive(serde::Deserialize, edgezero_core::AppConfig)]\nstruct Settings { service: inner::Service, #[secret] api_token: String }\nmod inner {\n  #[derive(serde::Deserialize, AppConfig)]\n  pub struct Service { #[secret] #[serde(rename = \"key\")] service_key: Option<String> }\n}\n",
        );
        write(
            "target/debug/build/x.rs",
            "#[derive(AppConfig)] struct Ignored { #[secret] x: String }",
        );
        write(
            ".hidden/x.rs",
            "#[derive(AppConfig)] struct Hidden { #[secret] x: String }",
        );
        write("crates/app/src/broken.rs", "fn AppConfig( {");
        write(
            "crates/app/src/bad.rs",
            "#[derive(AppConfig)] struct Bad { #[secret] n: u8 }",
        );
        let scan = scan(dir.path());
        let keys: Vec<(&str, &str, bool)> = scan
            .secrets
            .iter()
            .map(|s| (s.key.as_str(), s.field.as_str(), s.optional))
            .collect();
        assert_eq!(
            keys,
            [
                ("service.key", "Service.service_key", true),
                ("api_token", "Settings.api_token", false)
            ]
        );
        assert!(scan.secrets[0].source.ends_with("crates/app/src/lib.rs"));
        assert_eq!(scan.warnings.len(), 2, "{:?}", scan.warnings);
        assert!(scan.warnings.iter().any(|w| w.contains("broken.rs")));
        assert!(scan
            .warnings
            .iter()
            .any(|w| w.contains("struct Bad") && w.contains("`String` or `Option<String>`")));
    }
}
