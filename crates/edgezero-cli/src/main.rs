//! # `edgezero`
//!
//! The command-line tool of EdgeZero: serve an app locally (natively or as a Spin
//! component), build it, and more. Run `edgezero --help` or `edgezero <command> --help`.
//!
//! Exit codes: `0` success, `1` the command failed, `2` invalid usage.

mod app_config_scan;
mod commands;
mod config_file;
mod files;
mod key_values;
mod platform;
#[cfg(test)]
mod printed_commands;
mod process;
mod project;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "Exit codes:\n  0  success\n  1  the command failed (the message says why and how to fix it)\n  2  invalid usage (unknown flag, missing argument)";

/// Build, serve and deploy EdgeZero apps.
#[derive(Debug, Parser)]
#[command(name = "edgezero", version, about, after_help = EXIT_CODES, term_width = 100)]
struct Cli {
    /// Path of edgezero.toml (default: searched upward from the current directory).
    #[arg(long, global = true, value_name = "PATH")]
    manifest: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new app: workspace, edgezero.toml, core crate and adapters.
    #[command(after_help = commands::new::EXAMPLES)]
    New(commands::new::NewArgs),
    /// Serve the app locally.
    #[command(after_help = commands::serve::EXAMPLES)]
    Serve(commands::serve::ServeArgs),
    /// Build the app for a platform.
    #[command(after_help = commands::build::EXAMPLES)]
    Build(commands::build::BuildArgs),
    /// Deploy the app.
    #[command(after_help = commands::deploy::EXAMPLES)]
    Deploy(commands::deploy::DeployArgs),
    /// Grant the app's store labels in the platform manifest (spin.toml).
    #[command(after_help = commands::provision::EXAMPLES)]
    Provision(commands::provision::ProvisionArgs),
    /// Push config entries, validate the project.
    Config(commands::config::ConfigArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::New(args) => commands::new::run(args),
        Command::Serve(args) => commands::serve::run(args, cli.manifest.as_deref()),
        Command::Build(args) => commands::build::run(args, cli.manifest.as_deref()),
        Command::Deploy(args) => commands::deploy::run(args, cli.manifest.as_deref()),
        Command::Provision(args) => commands::provision::run(args, cli.manifest.as_deref()),
        Command::Config(args) => commands::config::run(args, cli.manifest.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    fn rust_version(manifest: &str) -> (u32, u32) {
        let text = std::fs::read_to_string(manifest).unwrap();
        let v = text
            .lines()
            .find_map(|l| l.strip_prefix("rust-version = \""))
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{manifest} sets no literal rust-version"));
        let (major, minor) = v.split_once('.').unwrap();
        (major.parse().unwrap(), minor.parse().unwrap())
    }

    /// The CLI links the embedded host by default, so it cannot promise an older Rust.
    #[test]
    fn declared_rust_version_covers_the_default_features() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let cli = rust_version(&format!("{dir}/Cargo.toml"));
        let host = rust_version(&format!("{dir}/../edgezero-spin-host/Cargo.toml"));
        assert!(
            cli >= host,
            "edgezero-cli declares {cli:?}, its default feature needs {host:?}"
        );
    }
}
