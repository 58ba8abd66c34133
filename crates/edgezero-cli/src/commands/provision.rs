//! `edgezero provision`: grant the app's store labels in the platform manifest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::platform::Platform;
use crate::project::load_manifest;

pub const EXAMPLES: &str = "Examples:
  edgezero provision --adapter spin
  edgezero provision --adapter spin --dry-run

Adds the label of every [stores.kv] and [stores.config] id (after the
EDGEZERO__STORES__<KIND>__<ID>__NAME overlay of the component's `environment`) to
[component.<id>].key_value_stores in spin.toml, keeping comments and layout. <id> is the
EdgeZero component: [adapters.spin.adapter].component, the only component, or the one whose
`source` is the file [adapters.spin.adapter].crate builds. With several components and none
of these, a label already granted to any component is left as it is (components share a
label's store), and a label no component has is an error naming the line to add. Running it twice
changes nothing; the file is replaced in one step (a crash never leaves it half-written).
runtime-config.toml is never edited: labels that still need a stanza there are listed.";

/// Arguments of `edgezero provision`.
#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// Which platform to provision.
    #[arg(long, value_enum)]
    pub adapter: Platform,
    /// Print the changes, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Spin runtime config file (default: runtime-config.toml next to spin.toml).
    #[arg(long, value_name = "FILE")]
    pub runtime_config: Option<PathBuf>,
}

/// Runs `edgezero provision`.
pub fn run(args: &ProvisionArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    args.adapter
        .provision(&manifest, args.dry_run, args.runtime_config.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
