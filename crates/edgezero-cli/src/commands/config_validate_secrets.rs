//! `config validate`: the secret names that the `#[secret]` fields of the app's `AppConfig`
//! types hold in the config file of the default config id.
//!
//! The fields come from the project's sources ([`crate::app_config_scan`]); their values (the
//! secret names) and lines from the config file. Each name, lower-cased as the runtime reads
//! it, must be a valid Spin variable name and must not collide with another spelling of the
//! same name; on Spin it must also be declared in `[variables]` and mapped in the
//! component's `variables` (checked by [`crate::platform::spin::validate`]).

use std::collections::BTreeMap;

use edgezero_manifest::Manifest;
use edgezero_spin_manifest::ids::{secret_variable_name, SPIN_VARIABLE_NAME_RULE};

use crate::app_config_scan::scan;
use crate::config_file;
use crate::report::Report;

pub use crate::app_config_scan::SecretEntry;

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
