//! Finds the `#[secret]` fields of the project's `#[derive(AppConfig)]` structs by reading its
//! Rust sources, so `config validate` learns them without the user listing them again.
//!
//! Every `.rs` file under the manifest's directory is parsed (`target/` and hidden
//! directories are skipped); structs that derive `AppConfig` (directly or in inline modules)
//! are read with `edgezero-config-schema`, the code the derive itself runs, and nested tables
//! are resolved by type name ([`edgezero_config_schema::secret_paths`]). Files that do not
//! parse and structs that break the derive's rules are skipped with a warning: the compiler
//! reports them too.

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
}

const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// Scans the Rust sources under `root`.
pub fn scan(root: &Path) -> Scan {
    let mut out = Scan::default();
    let mut files = Vec::new();
    rust_files(root, &mut files, &mut out.warnings);
    files.sort();
    let mut structs: Vec<(ConfigStruct, PathBuf)> = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                out.warnings
                    .push(format!("cannot read {}: {e}; skipped", file.display()));
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

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>, warnings: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return warnings.push(format!("cannot list {}: {e}; skipped", dir.display()));
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                rust_files(&path, out, warnings);
            }
        } else if kind.is_file() && name.ends_with(".rs") {
            out.push(path);
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
