//! `edgezero config validate [--strict]`: find mistakes before `spin up` or a deploy does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use edgezero_manifest::Manifest;

use super::config_validate_secrets as secret_fields;
use crate::config_file;
use crate::platform::Platform;
use crate::project::load_manifest;

pub const EXAMPLES: &str = "Examples:
  edgezero config validate
  edgezero config validate --strict

Checks edgezero.toml, the config entries file, and for Spin: component discovery, that
every store label is granted in spin.toml and declared in runtime-config.toml. With several
components, every component is checked (its labels need a runtime-config.toml stanza, its
allowed_outbound_hosts must parse), each message naming the component; the app's store and
secret ids belong to the EdgeZero component ([adapters.spin.adapter].component, or the one
whose `source` is the file [adapters.spin.adapter].crate builds), else to any component.
spin.toml and runtime-config.toml are checked exactly as the embedded host (and `spin up`)
check them; features only `spin up` runs are warnings.
--strict adds: at most one [stores.secrets] id when targeting Spin; every secret name,
lower-cased, is a valid Spin variable name (lower-case letters and digits, starting with a
letter, single underscores between them) and does not collide with another spelling; for
Spin, every secret named by a #[secret] field is declared in spin.toml [variables] and mapped
in the component's variables (without --strict these are warnings); no two KV/config ids
resolve to the same Spin label; when the deploy command targets Fermyon Cloud or Akamai
Functions, a warning for each built component that imports wasi:keyvalue/atomics (which they
lack; `edgezero deploy --adapter spin` refuses it), naming the opt-out (edgezero-adapter-spin with
default-features = false).
Secret names come from the #[secret] fields of the #[derive(AppConfig)] structs found in the
project's Rust sources (under the directory of edgezero.toml, following symlinks, skipping
target/ and hidden directories): each field's entry in the config file of the default config
id holds a secret name. A source that cannot be read (not UTF-8, a symlink to nothing or a
loop) could hide a #[secret] field: an error under --strict, a warning otherwise.
[stores.secrets].names lists further secrets the app reads by name.";

/// Arguments of `edgezero config validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Also apply the Spin portability rules.
    #[arg(long)]
    pub strict: bool,
    /// Spin runtime config file (default: runtime-config.toml next to spin.toml).
    #[arg(long, value_name = "FILE")]
    pub runtime_config: Option<PathBuf>,
}

pub use crate::report::Report;

/// Checks a manifest (and its Spin files) and returns what is wrong.
pub fn check(manifest: &Manifest, strict: bool, runtime_config: Option<&Path>) -> Report {
    let mut r = Report::default();
    // Each file is read once; the default id's entries are where #[secret] fields are looked up.
    let mut default_entries = None;
    for (id, file) in &manifest.stores.config.files {
        match config_file::load_entries(&manifest.resolve(file)) {
            Ok(entries) if manifest.stores.config.default.as_ref() == Some(id) => {
                default_entries = Some(entries);
            }
            Ok(_) => {}
            Err(e) => r.errors.push(format!("{e:#}")),
        }
    }
    let secrets = match &default_entries {
        Some(entries) => secret_fields::collect(manifest, entries, strict, &mut r),
        None => Vec::new(),
    };
    if strict {
        secret_fields::name_rules(manifest, &secrets, &mut r);
    }
    for platform in Platform::ALL {
        if manifest.adapter(platform.name()).is_some() {
            platform.validate(manifest, strict, runtime_config, &secrets, &mut r);
        }
    }
    r
}

/// Runs `edgezero config validate`.
pub fn run(args: &ValidateArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    let report = check(&manifest, args.strict, args.runtime_config.as_deref());
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for e in &report.errors {
        eprintln!("error: {e}");
    }
    if report.errors.is_empty() {
        eprintln!(
            "{}: ok{}",
            manifest.path.display(),
            if args.strict { " (strict)" } else { "" }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{}: {} problem(s)",
            manifest.path.display(),
            report.errors.len()
        );
        Ok(ExitCode::from(1))
    }
}
