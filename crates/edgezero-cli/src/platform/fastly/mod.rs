//! Fastly Compute: the app is a crate built for `wasm32-wasip1` (a binary whose `main` runs
//! the app), described to the Fastly CLI by its `fastly.toml`. Its KV ids are Fastly KV
//! Stores, config ids Config Stores, secrets Secret Stores, each named by the id (or its
//! `EDGEZERO__STORES__<KIND>__<ID>__NAME`). Locally it runs under Viceroy, Fastly's own
//! local runtime, with the stores kept in the app's folder.

pub mod build;
pub mod fastly_toml;
pub mod provision;
pub mod push;
pub mod serve;
pub mod state;
pub mod state_server;
pub mod validate;

use std::path::PathBuf;

use anyhow::{bail, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;

use super::{Platform, Templates};
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section, native_env};
use fastly_toml::FastlyToml;

/// `edgezero new`: a Fastly app crate with its fastly.toml, built on its own for
/// wasm32-wasip1 (not a workspace member).
pub const TEMPLATES: Templates = Templates {
    workspace_member: false,
    stanza: include_str!("../../../templates/adapter-fastly.toml"),
    files: &[
        (
            "Cargo.toml",
            include_str!("../../../templates/fastly/Cargo.toml"),
        ),
        (
            "fastly.toml",
            include_str!("../../../templates/fastly/fastly.toml"),
        ),
        (
            "src/main.rs",
            include_str!("../../../templates/fastly/main.rs"),
        ),
    ],
};

/// `fastly.toml`: `[adapters.fastly.adapter].manifest`, else `<crate>/fastly.toml`.
pub fn fastly_toml_path(manifest: &Manifest) -> Result<PathBuf> {
    let section = adapter_section(manifest, Platform::Fastly)?;
    let path = match &section.adapter.manifest {
        Some(m) => manifest.resolve(m),
        None => adapter_crate_dir(manifest, Platform::Fastly)?.join("fastly.toml"),
    };
    if !path.is_file() {
        bail!(
            "{} does not exist; set [adapters.fastly.adapter].manifest in {} to your fastly.toml",
            path.display(),
            manifest.path.display()
        );
    }
    Ok(path)
}

/// The app's fastly.toml, parsed, with its path.
pub fn load_fastly_toml(manifest: &Manifest) -> Result<(PathBuf, FastlyToml)> {
    let path = fastly_toml_path(manifest)?;
    let f = FastlyToml::load(&path)?;
    Ok((path, f))
}

/// The Fastly store name of store `id` of `kind`: `EDGEZERO__STORES__<KIND>__<ID>__NAME` from
/// edgezero.toml `[environment]` or the shell, else the id.
pub fn store_name(manifest: &Manifest, kind: StoreKind, id: &str) -> String {
    edgezero_core::env::resolve_store_name(kind, id, &|k| native_env(manifest, k))
}

/// `edgezero deploy --adapter fastly`: builds, then `fastly compute publish` next to
/// fastly.toml.
pub fn deploy(manifest: &Manifest, extra: &[String]) -> Result<()> {
    build::build(manifest, &[])?;
    let path = fastly_toml_path(manifest)?;
    let dir = path
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut cmd = std::process::Command::new("fastly");
    cmd.args(["compute", "publish", "--non-interactive", "--dir"])
        .arg(&dir)
        .args(extra)
        .current_dir(&dir);
    let status = match process::run(&mut cmd) {
        Ok(s) => s,
        Err(e) => bail!("{e:#}; install the Fastly CLI (`npm install -g @fastly/cli`) or set [adapters.fastly.commands].deploy"),
    };
    if !status.success() {
        bail!("`{}` failed ({status})", process::describe(&cmd));
    }
    Ok(())
}
