//! `edgezero config push --adapter cloudflare`: a config id's entries into its Workers KV
//! namespace. `--local` writes the local store that `edgezero serve --adapter cloudflare`
//! reads (through the local runtime itself); otherwise `wrangler kv bulk put --remote`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use base64::Engine;
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;

use super::runtime::{self, SeedEntry, WorkerPlan};
use super::{binding, load_wrangler};
use crate::process;

/// The binding config id `id` reads, checked to be a Workers KV namespace in wrangler.toml.
pub fn target(manifest: &Manifest, id: &str) -> Result<(String, PathBuf)> {
    let (path, w) = load_wrangler(manifest)?;
    let name = binding(manifest, &w, StoreKind::Config, id);
    if !w.binds_namespace(&name) {
        bail!(
            "{}: [stores.config] id `{id}` has no KV namespace binding `{name}`; run `edgezero provision --adapter cloudflare --manifest {}` or add a [[kv_namespaces]] stanza with binding = \"{name}\"",
            path.display(),
            manifest.path.display()
        );
    }
    Ok((name, path))
}

/// Writes `entries` into the local namespace `binding`, in the app's local state
/// (`.edgezero/cloudflare/state`), through the local runtime. Returns how many.
pub fn push_local(
    manifest: &Manifest,
    binding: &str,
    entries: &[(String, String)],
) -> Result<usize> {
    let dir = runtime::install_dir(manifest);
    runtime::ensure_installed(&dir)?;
    let state = runtime::default_state_dir(manifest);
    let mut plan = WorkerPlan::new(&manifest.app.name, PathBuf::new(), PathBuf::new(), &state);
    plan.kv = vec![binding.to_string()];
    plan.seed = entries
        .iter()
        .map(|(k, v)| SeedEntry::new(binding, k, v.as_bytes()))
        .collect();
    plan.seed_only = true;
    let mut cmd = plan.command(&dir)?;
    let status = process::run(&mut cmd)?;
    if !status.success() {
        bail!("writing the local store failed ({status}); nothing may have been written");
    }
    Ok(entries.len())
}

/// `wrangler kv bulk put <file> --binding <binding> --config <wrangler.toml> --remote`.
pub fn push_remote(
    wrangler_toml: &Path,
    binding: &str,
    entries: &[(String, String)],
) -> Result<usize> {
    let file = tempfile::Builder::new()
        .prefix("edgezero-kv-bulk-")
        .suffix(".json")
        .tempfile()
        .context("cannot create the bulk file")?;
    let bulk: Vec<serde_json::Value> = entries
        .iter()
        .map(|(k, v)| {
            serde_json::json!({
                "key": k,
                "value": base64::engine::general_purpose::STANDARD.encode(v),
                "base64": true,
            })
        })
        .collect();
    std::fs::write(file.path(), serde_json::to_vec(&bulk)?)
        .with_context(|| format!("cannot write {}", file.path().display()))?;
    let mut cmd = Command::new("wrangler");
    cmd.args(["kv", "bulk", "put"])
        .arg(file.path())
        .args(["--binding", binding, "--config"])
        .arg(wrangler_toml)
        .arg("--remote");
    let status = match process::run(&mut cmd) {
        Ok(s) => s,
        Err(e) => bail!(
            "{e:#}; install wrangler (`npm install -g wrangler`) and log in (`wrangler login`)"
        ),
    };
    if !status.success() {
        bail!(
            "`{}` failed ({status}); Workers KV bulk writes are not atomic, so run the push again",
            process::describe(&cmd)
        );
    }
    Ok(entries.len())
}
