//! Finding the manifest and the adapter crates it names.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgezero_manifest::{AdapterSection, Manifest};

use crate::Adapter;

/// The manifest file name searched for.
pub const MANIFEST: &str = "edgezero.toml";

/// Loads `--manifest`, or the nearest `edgezero.toml` from the current directory upward.
pub fn load_manifest(explicit: Option<&Path>) -> Result<Manifest> {
    let path = match explicit {
        Some(p) => {
            if !p.exists() {
                bail!(
                    "manifest {} does not exist; pass the path of an edgezero.toml with --manifest",
                    p.display()
                );
            }
            p.to_path_buf()
        }
        None => {
            find_upward(&std::env::current_dir().context("cannot read the current directory")?)?
        }
    };
    Ok(Manifest::load(&path)?)
}

fn find_upward(start: &Path) -> Result<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(MANIFEST);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    bail!(
        "no {MANIFEST} found in {} or any parent directory; run inside an EdgeZero project, pass --manifest PATH, or create one with `edgezero new <name>`",
        start.display()
    )
}

/// The `[adapters.<name>]` section, or an error naming the stanza to add.
pub fn adapter_section(manifest: &Manifest, adapter: Adapter) -> Result<&AdapterSection> {
    manifest.adapter(adapter.name()).with_context(|| {
        format!(
            "{} has no [adapters.{name}] section; add\n\n[adapters.{name}.adapter]\ncrate = \"crates/{app}-adapter-{name}\"\n",
            manifest.path.display(),
            name = adapter.name(),
            app = manifest.app.name
        )
    })
}

/// The adapter crate directory, resolved against the manifest directory.
pub fn adapter_crate_dir(manifest: &Manifest, adapter: Adapter) -> Result<PathBuf> {
    let section = adapter_section(manifest, adapter)?;
    let rel = section.adapter.crate_dir.as_deref().with_context(|| {
        format!(
            "{}: [adapters.{name}.adapter] has no `crate`; add crate = \"crates/{app}-adapter-{name}\"",
            manifest.path.display(),
            name = adapter.name(),
            app = manifest.app.name
        )
    })?;
    let dir = manifest.resolve(rel);
    if !dir.join("Cargo.toml").is_file() {
        bail!(
            "{}: [adapters.{}.adapter].crate = \"{rel}\" but {} has no Cargo.toml",
            manifest.path.display(),
            adapter.name(),
            dir.display()
        );
    }
    Ok(dir)
}
