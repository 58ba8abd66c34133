//! `edgezero config push`: write config entries where the running app reads them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use edgezero_manifest::Manifest;

use crate::config_file;
use crate::platform::spin::{push_cloud, push_redis, push_sqlite};
use crate::platform::{cloudflare, fastly};
use crate::platform::{Platform, PushTarget};
use crate::project::load_manifest;

pub const EXAMPLES: &str = "Examples:
  edgezero config push --adapter spin --local        # Spin's local SQLite file
  edgezero config push --adapter spin                # where the label lives (see below)
  edgezero config push --adapter spin --dry-run
  edgezero config push --adapter native              # the native server's SQLite file
  edgezero config push --adapter cloudflare --local  # the local Workers KV that `serve` reads
  edgezero config push --adapter cloudflare          # Workers KV, with `wrangler kv bulk put`

Entries come from the store's own file: [stores.config].file for the default id,
[stores.config].files.<id> for the others; nested tables become dotted keys
(service.timeout_ms), and two entries with the same dotted key are an error.
The label is the one the component opens: EDGEZERO__STORES__CONFIG__<ID>__NAME from the
component's `environment` in spin.toml (native: from edgezero.toml [environment], then the
shell, as `serve` passes them), else the id. With several components and no EdgeZero
component named in edgezero.toml ([adapters.spin.adapter].component), every component must
open the same label (the store is shared); when they differ, the error names the line to add.
Spin destination, in order:
  1. --local: write the local SQLite file that `spin up` reads for the label, never a remote
     store: <spin.toml dir>/.spin/sqlite_key_value.db for `default` without a stanza, the
     stanza's `path` for type \"spin\". Labels other than `default` need a
     [key_value_store.<label>] stanza in runtime-config.toml.
  2. [adapters.spin.commands].deploy contains `spin deploy` / `spin cloud deploy`:
     `spin cloud key-value set --app <app> --label <label> K=V ...` (batches of <= 96 KiB)
  3. the label's runtime-config.toml stanza: type \"spin\" -> its SQLite `path`,
     type \"redis\" -> Redis
  4. no stanza: only `default` falls back to the local SQLite file
A type \"spin\" stanza without `path` is an in-memory store under `spin up`: the push is
refused, since the app would never see the data.
Cloudflare: the id's binding (EDGEZERO__STORES__CONFIG__<ID>__NAME from wrangler.toml [vars],
else the id) must be a [[kv_namespaces]] stanza of wrangler.toml. --local writes the namespace
in .edgezero/cloudflare/state through the local runtime; otherwise `wrangler kv bulk put
<file> --binding <binding> --config <wrangler.toml> --remote`.
SQLite and Redis pushes are one transaction: on failure nothing is written. A cloud push that
fails part-way says which keys were written and prints the command that resumes it.";

/// Arguments of `edgezero config push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Which platform's store to write.
    #[arg(long, value_enum)]
    pub adapter: Platform,
    /// Write the local store the served app reads (Spin's SQLite file, the local Workers KV).
    #[arg(long)]
    pub local: bool,
    /// The [stores.config] id (default: the default config store).
    #[arg(long, value_name = "ID")]
    pub store: Option<String>,
    /// Spin runtime config file (default: runtime-config.toml next to spin.toml).
    #[arg(long, value_name = "FILE")]
    pub runtime_config: Option<PathBuf>,
    /// Print what would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before writing to a remote store.
    #[arg(long)]
    pub yes: bool,
    /// Push only the entries whose key sorts at or after KEY (entries are pushed in key
    /// order; a failed cloud push prints the KEY to resume from).
    #[arg(long, value_name = "KEY")]
    pub from_key: Option<String>,
}

fn config_id(manifest: &Manifest, wanted: Option<&str>) -> Result<String> {
    let ids = &manifest.stores.config.ids;
    match wanted {
        Some(id) if ids.iter().any(|i| i == id) => Ok(id.to_string()),
        Some(id) => bail!("`{id}` is not a [stores.config] id in {}; ids: {}", manifest.path.display(), ids.join(", ")),
        None => manifest.stores.config.default.clone().with_context(|| {
            format!("{} declares no [stores.config]; add\n\n[stores.config]\nids = [\"app_config\"]\nfile = \"config/app_config.toml\"\n", manifest.path.display())
        }),
    }
}

/// Runs `edgezero config push`.
pub fn run(args: &PushArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    let id = config_id(&manifest, args.store.as_deref())?;
    let file = manifest.stores.config.file_for(&id).with_context(|| {
        let is_default = manifest.stores.config.default.as_deref() == Some(id.as_str());
        let line = if is_default {
            format!("file = \"config/{id}.toml\"")
        } else {
            format!("files = {{ {id} = \"config/{id}.toml\" }}")
        };
        format!(
            "[stores.config] in {} names no entries file for `{id}`; add {line} under [stores.config] (each config id has its own file, so one store's entries never land in another)",
            manifest.path.display()
        )
    })?;
    let mut entries = config_file::load(&manifest.resolve(file))?;
    if let Some(from) = &args.from_key {
        entries.retain(|(k, _)| k >= from);
    }
    let (label, target) =
        args.adapter
            .push_target(&manifest, &id, args.local, args.runtime_config.as_deref())?;
    eprintln!(
        "{} entries from {file} -> label `{label}` ({})",
        entries.len(),
        target.describe()
    );
    if args.dry_run {
        for (k, v) in &entries {
            println!("{} = {}", k.escape_debug(), preview(v));
        }
        eprintln!("dry run: nothing was written");
        return Ok(ExitCode::SUCCESS);
    }
    if target.is_remote() {
        confirm(args.yes, &target)?;
    }
    let written = match &target {
        PushTarget::Sqlite(path) => push_sqlite::push(path, &label, &entries)?,
        PushTarget::Redis(url) => push_redis::push(url, &entries)?,
        PushTarget::Cloud { app } => {
            push_cloud::push("spin", app, &label, &entries, &resume_hint(args, &manifest))?
        }
        PushTarget::WorkersLocal { binding } => {
            cloudflare::push::push_local(&manifest, binding, &entries)?
        }
        PushTarget::Workers { binding, wrangler } => {
            cloudflare::push::push_remote(wrangler, binding, &entries)?
        }
        PushTarget::FastlyLocal { store } => fastly::push::push_local(&manifest, store, &entries)?,
        PushTarget::Fastly { store } => fastly::push::push_remote(store, &entries)?,
    };
    eprintln!("pushed {written} entries to label `{label}`");
    Ok(ExitCode::SUCCESS)
}

/// The `edgezero config push` command line that repeats this push, for resume messages.
fn resume_hint(args: &PushArgs, manifest: &Manifest) -> String {
    let mut cmd = format!(
        "edgezero config push --adapter spin --manifest {} --yes",
        manifest.path.display()
    );
    if let Some(id) = &args.store {
        cmd.push_str(&format!(" --store {id}"));
    }
    cmd
}

fn preview(v: &str) -> String {
    let mut s: String = v.chars().take(60).collect();
    if v.chars().count() > 60 {
        s.push('…');
    }
    format!("{s:?}")
}

fn confirm(yes: bool, target: &PushTarget) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to write to {} without confirmation; pass --yes",
            target.describe()
        );
    }
    eprint!("write to {}? [y/N] ", target.describe());
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        bail!("cancelled; nothing was written")
    }
}
