//! `edgezero build --adapter fastly`: the app crate for `wasm32-wasip1`, copied to
//! `bin/main.wasm` next to fastly.toml, where the Fastly CLI packs it from.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use edgezero_manifest::Manifest;

use crate::platform::toolchain::{self, Target};
use crate::platform::Platform;
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section};

/// Where the build writes the app, relative to the directory of fastly.toml.
pub const OUT: &str = "bin/main.wasm";

/// Builds the app (or runs `[adapters.fastly.commands].build`).
pub fn run(manifest: &Manifest, components: &[String], extra: &[String]) -> Result<()> {
    if !components.is_empty() {
        bail!("--component selects components of spin.toml; it is an option of --adapter spin");
    }
    let wasm = build(manifest, extra)?;
    eprintln!("built {}", wasm.display());
    Ok(())
}

/// Where the built app is: `bin/main.wasm` next to fastly.toml.
pub fn output(manifest: &Manifest) -> Result<PathBuf> {
    let toml = super::fastly_toml_path(manifest)?;
    Ok(toml.parent().unwrap_or(Path::new(".")).join(OUT))
}

/// Builds, and says where the app is.
pub fn build(manifest: &Manifest, extra: &[String]) -> Result<PathBuf> {
    let section = adapter_section(manifest, Platform::Fastly)?;
    let out = output(manifest)?;
    if let Some(build) = &section.commands.build {
        let mut cmd = process::shell(build);
        cmd.args(extra).current_dir(manifest.root());
        toolchain::run_build(&mut cmd, "the Fastly build")?;
        return Ok(out);
    }
    let crate_dir = adapter_crate_dir(manifest, Platform::Fastly)?;
    let package = toolchain::package_name(&crate_dir)?;
    let target_dir =
        toolchain::target_dir(manifest, "EDGEZERO_FASTLY_TARGET_DIR", "target/wasm-fastly");
    let mut cargo = toolchain::build_command(
        &toolchain::detect(Target::Wasip1)?,
        Target::Wasip1,
        &crate_dir,
    );
    toolchain::add_link_arg(
        &mut cargo,
        Target::Wasip1,
        &format!(
            "--initial-heap={}",
            edgezero_fastly_names::INITIAL_HEAP_BYTES
        ),
    );
    cargo.env("CARGO_TARGET_DIR", &target_dir).args(extra);
    toolchain::run_build(&mut cargo, "the Fastly build")?;
    let wasm = target_dir
        .join(Target::Wasip1.triple())
        .join("release")
        .join(format!("{package}.wasm"));
    if !wasm.is_file() {
        bail!("the build finished but {} is missing", wasm.display());
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::copy(&wasm, &out)
        .with_context(|| format!("cannot copy {} to {}", wasm.display(), out.display()))?;
    Ok(out)
}
