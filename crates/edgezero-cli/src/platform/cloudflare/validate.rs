//! `edgezero config validate` for Cloudflare: wrangler.toml binds every store edgezero.toml
//! declares.

use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;

use super::{binding, load_wrangler};
use crate::report::Report;

/// Checks the bindings of every KV and config id (errors name the stanza to add).
pub fn check(manifest: &Manifest, report: &mut Report) {
    let (path, w) = match load_wrangler(manifest) {
        Ok(x) => x,
        Err(e) => {
            report.errors.push(format!("{e:#}"));
            return;
        }
    };
    for id in &manifest.stores.kv.ids {
        let name = binding(manifest, &w, StoreKind::Kv, id);
        if !w.binds_kv(&name) {
            report.errors.push(format!(
                "{}: [stores.kv] id `{id}` has no binding `{name}`; add\n\n[[kv_namespaces]]\nbinding = \"{name}\"\nid = \"<id from `wrangler kv namespace create {name}`>\"\n\nor, for exact increment/compare_and_swap, bind it to the atomic store:\n\n[[durable_objects.bindings]]\nname = \"{name}\"\nclass_name = \"{class}\"\n\n[[migrations]]\ntag = \"{tag}\"\nnew_sqlite_classes = [\"{class}\"]\n",
                path.display(),
                class = edgezero_cloudflare_names::ATOMIC_KV_CLASS,
                tag = edgezero_cloudflare_names::ATOMIC_KV_MIGRATION,
            ));
        }
    }
    for id in &manifest.stores.config.ids {
        let name = binding(manifest, &w, StoreKind::Config, id);
        if !w.binds_namespace(&name) {
            report.errors.push(format!(
                "{}: [stores.config] id `{id}` has no KV namespace binding `{name}`; add\n\n[[kv_namespaces]]\nbinding = \"{name}\"\nid = \"<id from `wrangler kv namespace create {name}`>\"\n",
                path.display()
            ));
        }
    }
}
