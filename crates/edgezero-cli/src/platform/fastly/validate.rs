//! `edgezero config validate` for Fastly: fastly.toml declares every store edgezero.toml
//! declares, for local runs (`[local_server]`) and for the first deploy (`[setup]`).
//! Without `--strict` a missing declaration is a warning (`serve --adapter fastly` creates
//! the local stores itself); with it, an error naming the stanza to add.

use edgezero_manifest::Manifest;

use super::fastly_toml::Section;
use super::load_fastly_toml;
use super::provision::stores;
use crate::report::Report;

/// Checks every store's declarations.
pub fn check(manifest: &Manifest, strict: bool, report: &mut Report) {
    let (path, f) = match load_fastly_toml(manifest) {
        Ok(x) => x,
        Err(e) => {
            report.errors.push(format!("{e:#}"));
            return;
        }
    };
    for store in stores(manifest) {
        if let Some(problem) = edgezero_fastly_names::check_store_name(&store.name) {
            report.errors.push(format!("{}: {problem}", path.display()));
            continue;
        }
        let key = store.section.key();
        let local = match store.section {
            Section::Config => format!(
                "[local_server.{key}.{}]\nformat = \"inline-toml\"\ncontents = {{}}",
                store.name
            ),
            _ => format!("[local_server.{key}]\n{} = []", store.name),
        };
        for (present, stanza) in [
            (f.has_local(store.section, &store.name), local),
            (
                f.has_setup(store.section, &store.name),
                format!("[setup.{key}.{}]", store.name),
            ),
        ] {
            if present {
                continue;
            }
            let msg = format!(
                "{}: [stores.{}] id `{}` has no Fastly store `{}`; add\n\n{stanza}\n\n(`edgezero provision --adapter fastly` writes it)",
                path.display(),
                store.section.kind(),
                store.id,
                store.name
            );
            if strict {
                report.errors.push(msg);
            } else {
                report.warnings.push(msg);
            }
        }
    }
}
