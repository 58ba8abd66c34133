//! `edgezero config`: push config entries, validate the project.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

pub use super::config_push::PushArgs;
pub use super::config_validate::ValidateArgs;

/// Arguments of `edgezero config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Write the config file's entries into the config store's label.
    #[command(after_help = super::config_push::EXAMPLES)]
    Push(PushArgs),
    /// Check edgezero.toml, the config file and the Spin files for mistakes.
    #[command(after_help = super::config_validate::EXAMPLES)]
    Validate(ValidateArgs),
}

/// Runs `edgezero config ...`.
pub fn run(args: &ConfigArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    match &args.command {
        ConfigCommand::Push(a) => super::config_push::run(a, manifest),
        ConfigCommand::Validate(a) => super::config_validate::run(a, manifest),
    }
}
