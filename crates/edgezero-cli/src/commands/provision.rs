//! `edgezero provision`: grant the app's store labels in the platform manifest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use edgezero_spin_manifest::{stanza_for, RuntimeConfig};

use crate::files::write_atomic;
use crate::platform::spin::discovery::SpinApp;
use crate::platform::spin::provision;
use crate::project::load_manifest;
use crate::Adapter;

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
    pub adapter: Adapter,
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
    if args.adapter == Adapter::Native {
        eprintln!(
            "the native adapter needs no provisioning: its SQLite file is created on first use"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let app = SpinApp::load(
        &crate::commands::serve::spin_manifest(&manifest)?,
        &manifest,
    )?;
    let rc = RuntimeConfig::discover(args.runtime_config.as_deref(), app.dir())?;
    let result = provision::apply(&app, &manifest, &rc)?;
    if result.added.is_empty() {
        let granted: Vec<String> = match &app.component {
            Some(id) => vec![format!(
                "[component.{id}].key_value_stores already grants {}",
                result.labels.join(", ")
            )],
            None => result
                .labels
                .iter()
                .map(|l| format!("{l} is granted to {}", app.granted_by(l).join(", ")))
                .collect(),
        };
        eprintln!(
            "{}: {}; nothing to change",
            app.path.display(),
            granted.join("; ")
        );
    } else if let (Some(doc), Some(id)) = (&result.document, &app.component) {
        if args.dry_run {
            eprintln!(
                "would add to [component.{id}].key_value_stores: {} (dry run: nothing written)",
                result.added.join(", ")
            );
        } else {
            write_atomic(&app.path, doc.to_string().as_bytes())?;
            eprintln!(
                "{}: added {} to [component.{id}].key_value_stores",
                app.path.display(),
                result.added.join(", ")
            );
        }
    }
    if !result.missing_stanzas.is_empty() {
        eprintln!(
            "\nthese labels still need a stanza in {} (not edited by provision):\n",
            rc.describe()
        );
        for label in &result.missing_stanzas {
            eprintln!("{}\n", stanza_for(label));
        }
    }
    Ok(ExitCode::SUCCESS)
}
