//! The native adapter: an ordinary process (`cargo run` of the app's native crate), with its
//! KV and config stores in a SQLite file in Spin's format.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::{Manifest, NATIVE_KV_FILE};

use super::serve::{Runtime, ServePlan};
use super::{Platform, PushTarget, Templates};
use crate::platform::serve::ServeArgs;
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section, native_env};
use crate::report::Report;

/// `edgezero new`: a binary crate that runs the app's core on the native server.
pub const TEMPLATES: Templates = Templates {
    workspace_member: true,
    stanza: include_str!("../../templates/adapter-native.toml"),
    files: &[
        (
            "Cargo.toml",
            include_str!("../../templates/native/Cargo.toml"),
        ),
        (
            "src/main.rs",
            include_str!("../../templates/native/main.rs"),
        ),
    ],
};

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
}

/// `[adapters.native.commands].build`, else `cargo build` of the native crate.
pub fn build(manifest: &Manifest, components: &[String], extra: &[String]) -> Result<()> {
    if !components.is_empty() {
        bail!("--component selects components of spin.toml; it is an option of --adapter spin");
    }
    let section = adapter_section(manifest, Platform::Native)?;
    let mut cmd = match &section.commands.build {
        Some(build) => process::shell(build),
        None => {
            let dir = adapter_crate_dir(manifest, Platform::Native)?;
            let mut c = cargo();
            c.arg("build")
                .arg("--manifest-path")
                .arg(dir.join("Cargo.toml"));
            c
        }
    };
    cmd.args(extra).current_dir(manifest.root());
    let status = process::run(&mut cmd)?;
    if !status.success() {
        bail!(
            "the native build failed ({status}): {}",
            process::describe(&cmd)
        );
    }
    Ok(())
}

/// `[adapters.native.commands].serve`, else `cargo run` of the native crate. `spin up`'s
/// options are refused: the native server has no such thing.
pub fn serve_plan(manifest: &Manifest, args: &ServeArgs) -> Result<ServePlan> {
    if let Some(flag) = args.spin_up_flag() {
        bail!("{flag} is an option of `spin up`, for --adapter spin; the native server reads EDGEZERO__* variables from edgezero.toml [environment] and the shell");
    }
    let section = adapter_section(manifest, Platform::Native)?;
    let command = match &section.commands.serve {
        Some(serve) => process::shell(serve),
        None => {
            let dir = adapter_crate_dir(manifest, Platform::Native)?;
            let mut cmd = cargo();
            cmd.arg("run")
                .arg("--manifest-path")
                .arg(dir.join("Cargo.toml"));
            if args.release {
                cmd.arg("--release");
            }
            if let Some(listen) = args.listen {
                cmd.arg("--").arg("--listen").arg(listen.to_string());
            }
            cmd
        }
    };
    Ok(ServePlan {
        platform: Platform::Native,
        build: None,
        seed: None,
        runtime: Runtime::process(command, args, section),
    })
}

/// There is no built-in deploy for a native server.
pub fn deploy() -> Result<()> {
    bail!(
        "there is no built-in deploy for the native adapter; build with `edgezero build --adapter native -- --release` and run the binary with your process manager, or set [adapters.native.commands].deploy"
    )
}

/// Nothing to provision: the SQLite file is created on first use.
pub fn provision() {
    eprintln!("the native adapter needs no provisioning: its SQLite file is created on first use");
}

/// The label a logical store opens on the native server: the one function every command
/// uses for the native adapter.
pub fn label(manifest: &Manifest, kind: StoreKind, id: &str) -> String {
    edgezero_core::env::resolve_store_name(kind, id, &|k| native_env(manifest, k))
}

/// The native server's SQLite file: `EDGEZERO__ADAPTER__KV_PATH` as the server sees it
/// (relative to the manifest's directory, where `serve` runs it), else [`NATIVE_KV_FILE`].
pub fn kv_file(manifest: &Manifest) -> PathBuf {
    let file = native_env(manifest, "EDGEZERO__ADAPTER__KV_PATH")
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| NATIVE_KV_FILE.to_string());
    manifest.resolve(&file)
}

/// A config push goes to the server's SQLite file, under the label the server opens.
pub fn push_target(manifest: &Manifest, id: &str) -> (String, PushTarget) {
    (
        label(manifest, StoreKind::Config, id),
        PushTarget::Sqlite(kv_file(manifest)),
    )
}

/// The native crate must exist.
pub fn validate(manifest: &Manifest, report: &mut Report) {
    if let Err(e) = adapter_crate_dir(manifest, Platform::Native) {
        report.errors.push(format!("{e:#}"));
    }
}
