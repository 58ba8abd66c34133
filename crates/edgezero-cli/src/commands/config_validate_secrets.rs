//! `config validate`: the secret names that the `#[secret]` fields of the app's `AppConfig`
//! types hold in the config file of the default config id.
//!
//! The fields come from the project's sources ([`crate::app_config_scan`]); their values (the
//! secret names) and lines from the config file. Each name, lower-cased as the runtime reads
//! it, must be a valid Spin variable name, must not collide with another spelling of the same
//! name, and on Spin must be declared in `[variables]` and mapped in the component's
//! `variables`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use edgezero_manifest::Manifest;
use edgezero_spin_manifest::ids::{secret_variable_name, SPIN_VARIABLE_NAME_RULE};

use super::config_validate::Report;
use crate::app_config_scan::{scan, SecretFieldRef};
use crate::config_file;
use crate::platform::spin::discovery::SpinApp;

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
    fn who(&self) -> String {
        format!(
            "{}:{}: `{}` (#[secret] field {} in {})",
            self.file.display(),
            self.line,
            self.field.key,
            self.field.field,
            self.field.source.display()
        )
    }

    fn lower(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// The `#[secret]` entries of the default config id's file (`entries`, sorted by key); warns
/// about required secret fields that have no entry. A source the scan could not read (not
/// UTF-8, unreadable, a symlink that leads nowhere) may hold a `#[secret]` field, so it is
/// an error under `--strict`, a warning otherwise.
pub fn collect(
    manifest: &Manifest,
    entries: &[config_file::Entry],
    strict: bool,
    r: &mut Report,
) -> Vec<SecretEntry> {
    let Some(path) = manifest
        .stores
        .config
        .default
        .as_deref()
        .and_then(|id| manifest.stores.config.file_for(id))
        .map(|file| manifest.resolve(file))
    else {
        return Vec::new();
    };
    let found = scan(manifest.root());
    r.warnings.extend(found.warnings);
    if strict {
        r.errors.extend(found.unread);
    } else {
        r.warnings.extend(found.unread);
    }
    let mut out = Vec::new();
    for field in found.secrets {
        let entry = entries
            .binary_search_by(|e| e.key.as_str().cmp(&field.key))
            .ok()
            .map(|i| &entries[i]);
        match entry {
            Some(e) => out.push(SecretEntry {
                field,
                name: e.value.clone(),
                file: path.clone(),
                line: e.line,
            }),
            None if !field.optional => r.warnings.push(format!(
                "{} has no entry `{}` for the #[secret] field {} ({}); requests that read {} answer 503 until it names a secret and is pushed",
                path.display(),
                field.key,
                field.field,
                field.source.display(),
                field.root
            )),
            None => {}
        }
    }
    // In file order, so a collision is reported at the later line.
    out.sort_by_key(|e| e.line);
    out
}

/// `--strict`: a secret store is declared, every name is a valid Spin variable name once
/// lower-cased, and no two fields spell the same name differently (`[stores.secrets].names`
/// has its own rules in `config_validate`).
pub fn name_rules(manifest: &Manifest, entries: &[SecretEntry], r: &mut Report) {
    if let (Some(first), true) = (entries.first(), manifest.stores.secrets.ids.is_empty()) {
        r.errors.push(format!(
            "{} is a #[secret] field, but {} declares no secret store; add\n\n[stores.secrets]\nids = [\"default\"]\n",
            first.who(),
            manifest.path.display()
        ));
    }
    // Spelling -> first field with it, by lower-cased name. The same spelling twice is one
    // secret read by two fields; two spellings are a mistake the runtime would hide.
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    for e in entries {
        let lower = e.lower();
        if secret_variable_name(&e.name).is_err() {
            r.errors.push(format!(
                "{} names the secret `{}`, read as the Spin variable `{}`, which is not a valid Spin variable name ({SPIN_VARIABLE_NAME_RULE}); rename the secret",
                e.who(),
                e.name.escape_debug(),
                lower.escape_debug()
            ));
            continue;
        }
        match seen.get(&lower) {
            Some((spelling, other)) if *spelling != e.name => r.errors.push(format!(
                "{} names the secret `{}` and {other} names `{spelling}`: both lower-case to the Spin variable `{lower}`; spell them the same or rename one",
                e.who(),
                e.name
            )),
            Some(_) => {}
            None => {
                seen.insert(lower, (e.name.clone(), e.who()));
            }
        }
    }
}

/// Where in spin.toml a line of a fix goes: under the table that is already there (pasting
/// its header again would make the file invalid TOML), inside an inline table's braces, or
/// as a new table.
/// `added` holds the tables an earlier fix of the same run asked to create: a second secret
/// goes under that table rather than into a second copy of it.
fn where_to_add(
    doc: Option<&toml_edit::DocumentMut>,
    added: &mut Vec<String>,
    path: &[&str],
    line: &str,
) -> String {
    let header = format!("[{}]", path.join("."));
    let mut item = doc.map(|d| d.as_item());
    for key in path {
        item = item.and_then(|i| i.get(key));
    }
    match item {
        Some(toml_edit::Item::Table(_)) => {
            format!("this line under the {header} table that spin.toml already has:\n\n{line}\n")
        }
        Some(toml_edit::Item::Value(toml_edit::Value::InlineTable(_))) => format!(
            "`{line}` inside the braces of the inline `{} = {{ ... }}` that spin.toml already has\n",
            path.last().copied().unwrap_or_default()
        ),
        _ if added.contains(&header) => {
            format!("this line under the {header} table added above:\n\n{line}\n")
        }
        _ => {
            added.push(header.clone());
            format!("this table to spin.toml:\n\n{header}\n{line}\n")
        }
    }
}

/// Spin: each name is an application variable and a variable of the EdgeZero component
/// (without one, of any component). Errors under `--strict`, warnings otherwise; each names
/// the lines to add, so that adding them as said gives a valid spin.toml.
pub fn spin_variables(app: &SpinApp, entries: &[SecretEntry], strict: bool, r: &mut Report) {
    let (component, which) = match &app.component {
        Some(id) => (id.clone(), String::new()),
        None => (
            "<id>".to_string(),
            format!(
                "(<id>: the component that reads it, one of {})\n",
                app.order.join(", ")
            ),
        ),
    };
    let doc = std::fs::read_to_string(&app.path)
        .ok()
        .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok());
    let scope = app.scope();
    let mut done: Vec<String> = Vec::new();
    let mut added: Vec<String> = Vec::new();
    for e in entries {
        let lower = e.lower();
        if secret_variable_name(&e.name).is_err() || done.contains(&lower) {
            continue;
        }
        done.push(lower.clone());
        let declaration = if e.field.optional {
            format!("{lower} = {{ default = \"\", secret = true }}")
        } else {
            format!("{lower} = {{ required = true, secret = true }}")
        };
        let mapping = format!("{lower} = \"{{{{ {lower} }}}}\"");
        let mapping_path = ["component", component.as_str(), "variables"];
        let problem = if !app.spin.variables.contains_key(&lower) {
            let declare = where_to_add(doc.as_ref(), &mut added, &["variables"], &declaration);
            let map_it = where_to_add(doc.as_ref(), &mut added, &mapping_path, &mapping);
            Some(format!(
                "{} names the secret `{}`, but {} declares no variable `{lower}`; add {declare}and {map_it}{which}",
                e.who(),
                e.name,
                app.path.display(),
            ))
        } else if !scope.iter().any(|c| c.variables.contains_key(&lower)) {
            let map_it = where_to_add(doc.as_ref(), &mut added, &mapping_path, &mapping);
            Some(format!(
                "{} names the secret `{}`, but the variable `{lower}` is not mapped into {} of {}, so the component cannot read it; add {map_it}{which}",
                e.who(),
                e.name,
                app.describe_scope(),
                app.path.display(),
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            if strict {
                r.errors.push(p);
            } else {
                r.warnings.push(p);
            }
        }
    }
}
