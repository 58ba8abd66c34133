//! The local runtime: the real `workerd`, run through miniflare (npm), which provides Workers
//! KV, Durable Objects, vars and secrets on disk as `wrangler dev` does.
//!
//! Miniflare is installed on first use with npm into `<app>/.edgezero/cloudflare/miniflare-<v>`
//! (or `EDGEZERO_MINIFLARE_DIR`, to share one install), pinned to
//! [`MINIFLARE_VERSION`](edgezero_cloudflare_names::MINIFLARE_VERSION); the script that drives
//! it is written next to it. The stores persist in `<app>/.edgezero/cloudflare/state` (or
//! `--state-dir`) between runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use base64::Engine;
use edgezero_cloudflare_names::{ATOMIC_KV_OBJECT, COMPATIBILITY_DATE, MINIFLARE_VERSION};
use edgezero_manifest::Manifest;
use serde::Serialize;

use crate::process;

const SCRIPT: &str = include_str!("miniflare.mjs");
const SCRIPT_NAME: &str = "serve.mjs";

/// A JSON file of entries written into the local stores before the Worker serves (the
/// conformance runner's `[setup]` rows): `[{"kind": "kv"|"config", "id": ..., "key": ...,
/// "value": <base64>}]`.
pub const SEED_VAR: &str = "EDGEZERO_CLOUDFLARE_SEED";

/// What the script runs: the Worker, its bindings, where their data lives.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerPlan {
    /// The Worker's name.
    pub name: String,
    /// The entry module.
    pub entry: PathBuf,
    /// The directory module paths are relative to (`build`).
    pub root: PathBuf,
    /// `compatibility_date`.
    pub compatibility_date: String,
    /// Bindings of Workers KV namespaces.
    pub kv: Vec<String>,
    /// Every Durable Object binding and its class (the atomic store's among them).
    pub durable_objects: std::collections::BTreeMap<String, String>,
    /// Bindings of the atomic store (seeded through its protocol).
    pub atomic: Vec<String>,
    /// The name of each atomic store's object.
    pub atomic_object: &'static str,
    /// Where Workers KV data persists.
    pub kv_persist: PathBuf,
    /// Where Durable Object data persists.
    pub do_persist: PathBuf,
    /// Vars and secrets.
    pub bindings: std::collections::BTreeMap<String, String>,
    /// Entries written before serving.
    pub seed: Vec<SeedEntry>,
    /// Write the seed entries, then stop.
    pub seed_only: bool,
}

/// One entry written into a store before serving.
#[derive(Debug, Clone, Serialize)]
pub struct SeedEntry {
    /// The store's binding.
    pub binding: String,
    /// The key.
    pub key: String,
    /// The value, base64.
    pub value: String,
}

impl SeedEntry {
    /// An entry of `binding`.
    pub fn new(binding: &str, key: &str, value: &[u8]) -> SeedEntry {
        SeedEntry {
            binding: binding.to_string(),
            key: key.to_string(),
            value: base64::engine::general_purpose::STANDARD.encode(value),
        }
    }
}

impl WorkerPlan {
    /// A plan for the Worker at `entry` with its state in `state`.
    pub fn new(name: &str, entry: PathBuf, root: PathBuf, state: &Path) -> WorkerPlan {
        WorkerPlan {
            name: name.to_string(),
            entry,
            root,
            compatibility_date: COMPATIBILITY_DATE.to_string(),
            kv: Vec::new(),
            durable_objects: Default::default(),
            atomic: Vec::new(),
            atomic_object: ATOMIC_KV_OBJECT,
            kv_persist: state.join("kv"),
            do_persist: state.join("do"),
            bindings: Default::default(),
            seed: Vec::new(),
            seed_only: false,
        }
    }

    /// `node serve.mjs` with this plan, from the miniflare install in `dir`.
    pub fn command(&self, dir: &Path) -> Result<Command> {
        let mut cmd = Command::new("node");
        cmd.arg(dir.join(SCRIPT_NAME))
            .env("EDGEZERO_WORKER_PLAN", serde_json::to_string(self)?);
        Ok(cmd)
    }
}

/// The app's local state directory (`--state-dir` overrides it).
pub fn default_state_dir(manifest: &Manifest) -> PathBuf {
    manifest.root().join(".edgezero/cloudflare/state")
}

/// Where miniflare is (to be) installed.
pub fn install_dir(manifest: &Manifest) -> PathBuf {
    match std::env::var_os("EDGEZERO_MINIFLARE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest.root().join(format!(
            ".edgezero/cloudflare/miniflare-{MINIFLARE_VERSION}"
        )),
    }
}

/// Installs miniflare into `dir` unless it is there, and writes the script.
pub fn ensure_installed(dir: &Path) -> Result<()> {
    let installed = dir.join("node_modules/miniflare/package.json");
    let version_ok = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v.get("version").and_then(|v| v.as_str()) == Some(MINIFLARE_VERSION));
    if !version_ok {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        eprintln!("installing miniflare {MINIFLARE_VERSION} (the local Workers runtime, with workerd) into {}", dir.display());
        let mut npm = Command::new("npm");
        npm.args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(dir)
        .arg(format!("miniflare@{MINIFLARE_VERSION}"));
        let status = match process::run(&mut npm) {
            Ok(s) => s,
            Err(e) => bail!("cannot run npm ({e:#}); the local Workers runtime needs Node.js 16.13 or later with npm"),
        };
        if !status.success() {
            bail!(
                "`{}` failed ({status}); the local Workers runtime needs the npm registry once",
                process::describe(&npm)
            );
        }
    }
    let script = dir.join(SCRIPT_NAME);
    if std::fs::read_to_string(&script).ok().as_deref() != Some(SCRIPT) {
        std::fs::write(&script, SCRIPT)
            .with_context(|| format!("cannot write {}", script.display()))?;
    }
    Ok(())
}
