//! Finding the manifest and the adapter crates it names.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgezero_manifest::{AdapterSection, Manifest};

use crate::platform::Platform;

/// The manifest file name searched for.
pub const MANIFEST: &str = "edgezero.toml";

/// Loads `--manifest`, or the nearest `edgezero.toml` from the current directory upward.
///
/// The path is made absolute here, once: every path resolved from the manifest (crates,
/// spin.toml, config files, data files) is then absolute, whatever directory a child
/// process runs in.
pub fn load_manifest(explicit: Option<&Path>) -> Result<Manifest> {
    let path = match explicit {
        Some(p) => {
            let p = if p.is_dir() {
                p.join(MANIFEST)
            } else {
                p.to_path_buf()
            };
            if !manifest_at(&p)? {
                bail!(
                    "manifest {} does not exist; pass the path of an edgezero.toml with --manifest",
                    p.display()
                );
            }
            std::path::absolute(&p)
                .with_context(|| format!("cannot resolve the path {}", p.display()))?
        }
        None => {
            find_upward(&std::env::current_dir().context("cannot read the current directory")?)?
        }
    };
    Ok(Manifest::load(&path)?)
}

/// A variable as the native server sees it under `edgezero serve`: `[environment]` of
/// edgezero.toml (which `serve` sets on the server), else the caller's environment.
pub fn native_env(manifest: &Manifest, name: &str) -> Option<String> {
    manifest
        .environment
        .get(name)
        .cloned()
        .or_else(|| std::env::var(name).ok())
}

/// Whether a manifest is at `path`: `Ok(false)` when nothing is there, an error when
/// something is there that cannot be read as one (a symlink loop, a symlink to nothing, a
/// directory), so it is never passed over as "not found".
fn manifest_at(path: &Path) -> Result<bool> {
    let fix = "make it the edgezero.toml file (or a symlink to one), or pass --manifest PATH";
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(true),
        Ok(_) => bail!("{} is not a file; {fix}", path.display()),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(path).is_err() =>
        {
            Ok(false)
        }
        Err(e) => bail!("{}; {fix}", crate::files::why_unreadable(path, &e)),
    }
}

fn find_upward(start: &Path) -> Result<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(MANIFEST);
        if manifest_at(&candidate)? {
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
pub fn adapter_section(manifest: &Manifest, adapter: Platform) -> Result<&AdapterSection> {
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
pub fn adapter_crate_dir(manifest: &Manifest, adapter: Platform) -> Result<PathBuf> {
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
