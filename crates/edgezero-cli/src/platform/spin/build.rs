//! Building the Spin component.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Result};
use edgezero_manifest::Manifest;

use super::discovery::SpinApp;
use super::toolchain;
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section};
use crate::Adapter;

/// The command that builds the component: `[adapters.spin.commands].build` when set, else
/// `cargo build --target wasm32-wasip2 --release` in the Spin crate, with the target
/// directory that the component's `source` in spin.toml points into.
pub fn command(manifest: &Manifest, app: &SpinApp, extra: &[String]) -> Result<Command> {
    let section = adapter_section(manifest, Adapter::Spin)?;
    if let Some(build) = &section.commands.build {
        let mut cmd = process::shell(&with_args(build, extra));
        cmd.current_dir(manifest.root());
        return Ok(cmd);
    }
    let crate_dir = adapter_crate_dir(manifest, Adapter::Spin)?;
    let mut cmd = toolchain::build_command(&toolchain::detect()?, &crate_dir);
    // Absolute: cargo runs in the crate directory, not where the manifest path starts.
    if let Some(dir) = target_dir(&std::path::absolute(source(app)?)?) {
        cmd.env("CARGO_TARGET_DIR", dir);
    }
    cmd.args(extra);
    Ok(cmd)
}

/// `<dir>` of a `source` shaped `<dir>/wasm32-wasip2/release/<name>.wasm`.
pub fn target_dir(source: &Path) -> Option<PathBuf> {
    let release = source.parent()?;
    let triple = release.parent()?;
    (release.file_name()? == "release" && triple.file_name()? == toolchain::TARGET)
        .then(|| triple.parent().map(Path::to_path_buf))
        .flatten()
}

fn with_args(line: &str, extra: &[String]) -> String {
    let mut out = line.to_string();
    for arg in extra {
        out.push(' ');
        out.push_str(&shell_quote(arg));
    }
    out
}

fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Runs the build; fails with the command when it fails.
pub fn run(manifest: &Manifest, app: &SpinApp, extra: &[String]) -> Result<()> {
    let mut cmd = command(manifest, app, extra)?;
    eprintln!("building the Spin component: {}", process::describe(&cmd));
    let status = process::run(&mut cmd)?;
    if !status.success() {
        bail!(
            "the component build failed ({status}): {}",
            process::describe(&cmd)
        );
    }
    Ok(())
}

/// The component file named by `source` in spin.toml, resolved against its directory.
pub fn source(app: &SpinApp) -> Result<PathBuf> {
    Ok(app.spec().source.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_dir_comes_from_the_source_path() {
        let src = Path::new("/p/crates/x/../../target/wasm/wasm32-wasip2/release/x.wasm");
        assert_eq!(
            target_dir(src),
            Some(PathBuf::from("/p/crates/x/../../target/wasm"))
        );
        assert_eq!(target_dir(Path::new("x.wasm")), None);
        assert_eq!(target_dir(Path::new("out/x.wasm")), None);
    }
}
