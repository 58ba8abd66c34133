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
  edgezero build --adapter native -- --release

Spin: runs [adapters.spin.commands].build if set, else `cargo build --target wasm32-wasip2
--release` in the Spin crate ([adapters.spin.adapter].crate), into the target directory that
the component's `source` in spin.toml points into. Without a rustup wasm32-wasip2 target it
uses Debian's rustc-web toolchain when installed, and otherwise says how to install one.
The [component.<id>.build] command in spin.toml is what `spin build` runs; edgezero build
does not read it.
Native: `cargo build` of the native crate.";

/// Arguments of `edgezero build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Which platform to build for.
    #[arg(long, value_enum)]
    pub adapter: Adapter,
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
            spin::build::run(&manifest, &app, &args.args)?;
            let artifact = spin::build::source(&app)?;
            if !artifact.is_file() {
                bail!(
                    "the build succeeded but {} (the `source` of [component.{}] in {}) does not exist; point `source` at the built .wasm file",
                    artifact.display(),
                    app.component,
                    app.path.display()
                );
            }
            eprintln!("built {}", artifact.display());
        }
        Adapter::Native => {
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
