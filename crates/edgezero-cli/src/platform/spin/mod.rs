//! Fermyon Spin: the app is a `spin.toml` of wasm32-wasip2 components; its KV and config
//! stores are key-value labels, its secrets Spin variables.

pub mod build;
pub mod deploy;
pub mod discovery;
pub mod imports;
pub mod provision;
pub mod push;
pub mod push_cloud;
pub mod push_redis;
pub mod push_sqlite;
pub mod serve;
pub mod validate;

use std::path::PathBuf;

use anyhow::{bail, Result};
use edgezero_manifest::{AdapterSection, Manifest};

pub use discovery::SpinApp;
pub use edgezero_spin_manifest::DEFAULT_LABEL;

use super::{Platform, Templates};
use crate::project::{adapter_crate_dir, adapter_section};

/// `edgezero new`: a component crate with its spin.toml and runtime-config.toml, built on its
/// own for wasm32-wasip2 (not a workspace member).
pub const TEMPLATES: Templates = Templates {
    workspace_member: false,
    stanza: include_str!("../../../templates/adapter-spin.toml"),
    files: &[
        (
            "Cargo.toml",
            include_str!("../../../templates/spin/Cargo.toml"),
        ),
        (
            "spin.toml",
            include_str!("../../../templates/spin/spin.toml"),
        ),
        (
            "runtime-config.toml",
            include_str!("../../../templates/spin/runtime-config.toml"),
        ),
        ("src/lib.rs", include_str!("../../../templates/spin/lib.rs")),
    ],
};

/// `[adapters.spin]`, or an error naming the stanza to add.
pub fn section(manifest: &Manifest) -> Result<&AdapterSection> {
    adapter_section(manifest, Platform::Spin)
}

/// `spin.toml` of the Spin adapter: `[adapters.spin.adapter].manifest`, else `<crate>/spin.toml`.
pub fn manifest_path(manifest: &Manifest) -> Result<PathBuf> {
    let path = match &section(manifest)?.adapter.manifest {
        Some(m) => manifest.resolve(m),
        None => adapter_crate_dir(manifest, Platform::Spin)?.join("spin.toml"),
    };
    if !path.is_file() {
        bail!(
            "{} does not exist; set [adapters.spin.adapter].manifest in {} to your spin.toml",
            path.display(),
            manifest.path.display()
        );
    }
    Ok(path)
}

/// Loads the app's `spin.toml` and finds the EdgeZero component.
pub fn load_app(manifest: &Manifest) -> Result<SpinApp> {
    SpinApp::load(&manifest_path(manifest)?, manifest)
}
