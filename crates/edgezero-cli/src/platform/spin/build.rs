//! Building the Spin component.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use edgezero_manifest::Manifest;

use super::discovery::SpinApp;
use super::toolchain;
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section};
use crate::Adapter;

/// The command that builds the component, in order of preference:
/// `[adapters.spin.commands].build`, then `[component.<id>.build].command` of spin.toml
/// (what `spin build` runs), then `cargo build --target wasm32-wasip2 --release`.
pub fn command(manifest: &Manifest, app: &SpinApp, extra: &[String]) -> Result<Command> {
    let section = adapter_section(manifest, Adapter::Spin)?;
    if let Some(build) = &section.commands.build {
        let mut cmd = process::shell(&with_args(build, extra));
        cmd.current_dir(manifest.root());
        return Ok(cmd);
    }
    let build = &app.doc["component"][app.component.as_str()]["build"];
    if let Some(line) = build.get("command").and_then(|c| c.as_str()) {
        let workdir = build
            .get("workdir")
            .and_then(|w| w.as_str())
            .map(|w| app.dir().join(w));
        let mut cmd = process::shell(&with_args(line, extra));
        cmd.current_dir(workdir.unwrap_or_else(|| app.dir().to_path_buf()));
        return Ok(cmd);
    }
    let crate_dir = adapter_crate_dir(manifest, Adapter::Spin)?;
    let mut cmd = toolchain::build_command(&toolchain::detect()?, &crate_dir);
    cmd.args(extra);
    Ok(cmd)
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
    let source = app.doc["component"][app.component.as_str()]
        .get("source")
        .and_then(|s| s.as_str())
        .with_context(|| {
            format!(
                "{}: [component.{}] has no `source` path",
                app.path.display(),
                app.component
            )
        })?;
    Ok(app.dir().join(source))
}
