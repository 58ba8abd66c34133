//! `edgezero build`: compile the app for a platform.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{bail, Result};
use clap::Args;

use crate::platform::spin::{self, discovery::SpinApp};
use crate::project::{adapter_crate_dir, adapter_section, load_manifest};
use crate::{process, Adapter};

pub const EXAMPLES: &str = "Examples:
  edgezero build --adapter spin
  edgezero build --adapter spin --component kv-explorer
  edgezero build --adapter native -- --release

Spin: builds every component of spin.toml, in the file's order, or only those named with
--component (repeatable). The EdgeZero component ([adapters.spin.adapter].component, the only
component, or the one whose `source` is the file [adapters.spin.adapter].crate builds) is
built by EdgeZero: [adapters.spin.commands].build if set, else `cargo build --target
wasm32-wasip2 --release` in the Spin crate, into the target directory that the component's
`source` points into; without a rustup wasm32-wasip2 target it uses Debian's rustc-web
toolchain when installed, and otherwise says how to install one (with neither set, its
[component.<id>.build] is used). Arguments after `--` go to that build. Every other component
is built as `spin build` builds it: each command of
[component.<id>.build] through `sh -c`, in its `workdir` (relative to spin.toml; default the
directory of spin.toml); a component without one is not built. Then every `source` must exist.
Native: `cargo build` of the native crate.";

/// Arguments of `edgezero build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Which platform to build for.
    #[arg(long, value_enum)]
    pub adapter: Adapter,
    /// Spin: build only this component of spin.toml (repeatable; default: every component).
    #[arg(long, value_name = "ID")]
    pub component: Vec<String>,
    /// Extra arguments passed to the build command (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// Runs `edgezero build`.
pub fn run(args: &BuildArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    match args.adapter {
        Adapter::Spin => {
            let app = SpinApp::load(
                &crate::commands::serve::spin_manifest(&manifest)?,
                &manifest,
            )?;
            let components = spin::build::select(&app, &args.component)?;
            let built = spin::build::build(&manifest, &app, &components, &args.args)?;
            for line in spin::build::summary(&built) {
                eprintln!("{line}");
            }
        }
        Adapter::Native => {
            if !args.component.is_empty() {
                bail!("--component selects components of spin.toml; it is an option of --adapter spin");
            }
            let section = adapter_section(&manifest, Adapter::Native)?;
            let mut cmd = match &section.commands.build {
                Some(build) => process::shell(build),
                None => {
                    let dir = adapter_crate_dir(&manifest, Adapter::Native)?;
                    let mut c =
                        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
                    c.arg("build")
                        .arg("--manifest-path")
                        .arg(dir.join("Cargo.toml"));
                    c
                }
            };
            cmd.args(&args.args).current_dir(manifest.root());
            let status = process::run(&mut cmd)?;
            if !status.success() {
                bail!(
                    "the native build failed ({status}): {}",
                    process::describe(&cmd)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
