//! Cloudflare Workers: the app is a workers-rs crate built for `wasm32-unknown-unknown`
//! (then `wasm-bindgen`), described to wrangler by its `wrangler.toml`. Its KV ids are bound
//! to Workers KV namespaces or to the atomic store (a Durable Object the adapter ships),
//! config ids to KV namespaces, secrets are the Worker's secrets. Locally it runs under the
//! real `workerd`, through miniflare.

pub mod build;
pub mod provision;
pub mod push;
pub mod runtime;
pub mod serve;
pub mod validate;
pub mod wrangler;

use std::path::PathBuf;

use anyhow::{bail, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;

use super::{Platform, Templates};
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section, native_env};
use wrangler::Wrangler;

/// `edgezero new`: a Worker crate with its wrangler.toml, built on its own for
/// wasm32-unknown-unknown (not a workspace member).
pub const TEMPLATES: Templates = Templates {
    workspace_member: false,
    stanza: include_str!("../../../templates/adapter-cloudflare.toml"),
    files: &[
        (
            "Cargo.toml",
            include_str!("../../../templates/cloudflare/Cargo.toml"),
        ),
        (
            "wrangler.toml",
            include_str!("../../../templates/cloudflare/wrangler.toml"),
        ),
        (
            "src/lib.rs",
            include_str!("../../../templates/cloudflare/lib.rs"),
        ),
    ],
};

/// `wrangler.toml`: `[adapters.cloudflare.adapter].manifest`, else `<crate>/wrangler.toml`.
pub fn wrangler_path(manifest: &Manifest) -> Result<PathBuf> {
    let section = adapter_section(manifest, Platform::Cloudflare)?;
    let path = match &section.adapter.manifest {
        Some(m) => manifest.resolve(m),
        None => adapter_crate_dir(manifest, Platform::Cloudflare)?.join("wrangler.toml"),
    };
    if !path.is_file() {
        bail!(
            "{} does not exist; set [adapters.cloudflare.adapter].manifest in {} to your wrangler.toml",
            path.display(),
            manifest.path.display()
        );
    }
    Ok(path)
}

/// The app's wrangler.toml, parsed, with its path.
pub fn load_wrangler(manifest: &Manifest) -> Result<(PathBuf, Wrangler)> {
    let path = wrangler_path(manifest)?;
    let w = Wrangler::load(&path)?;
    Ok((path, w))
}

/// The binding store `id` of `kind` opens: `EDGEZERO__STORES__<KIND>__<ID>__NAME` from
/// wrangler.toml `[vars]`, edgezero.toml `[environment]` or the shell, else the id.
pub fn binding(manifest: &Manifest, w: &Wrangler, kind: StoreKind, id: &str) -> String {
    let vars = w.var_strings();
    edgezero_core::env::resolve_store_name(kind, id, &|k| {
        vars.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| native_env(manifest, k))
    })
}

/// `edgezero deploy --adapter cloudflare`: builds, then `wrangler deploy` next to wrangler.toml.
pub fn deploy(manifest: &Manifest, extra: &[String]) -> Result<()> {
    build::build(manifest, &[])?;
    let path = wrangler_path(manifest)?;
    let mut cmd = std::process::Command::new("wrangler");
    cmd.arg("deploy")
        .arg("--config")
        .arg(&path)
        .args(extra)
        .current_dir(wrangler::dir(&path));
    let status = match process::run(&mut cmd) {
        Ok(s) => s,
        Err(e) => bail!("{e:#}; install wrangler (`npm install -g wrangler`) or set [adapters.cloudflare.commands].deploy"),
    };
    if !status.success() {
        bail!("`{}` failed ({status})", process::describe(&cmd));
    }
    Ok(())
}
