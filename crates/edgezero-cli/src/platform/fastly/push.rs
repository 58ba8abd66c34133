//! `edgezero config push --adapter fastly`: locally into the config file `serve --adapter
//! fastly` hands to Viceroy (read each time the app opens the store, so a running app sees
//! it); otherwise into the Fastly Config Store with the Fastly CLI. Either way the index
//! entry `edgezero.entries` is written too (a Config Store cannot be listed).

use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;

use super::state::State;
use super::store_name;
use crate::process;

/// The Config Store name config id `id` opens.
pub fn target(manifest: &Manifest, id: &str) -> String {
    store_name(manifest, StoreKind::Config, id)
}

/// The state directory `serve --adapter fastly` uses by default.
pub fn default_state(manifest: &Manifest) -> State {
    State::new(manifest.root().join(".edgezero/fastly/state"))
}

/// Writes `entries` into the local Config Store `name`.
pub fn push_local(manifest: &Manifest, name: &str, entries: &[(String, String)]) -> Result<usize> {
    default_state(manifest).push_config(name, entries)
}

fn fastly() -> Command {
    Command::new(std::env::var_os("EDGEZERO_FASTLY_CLI").unwrap_or_else(|| "fastly".into()))
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| {
        format!("cannot run `{}`; install the Fastly CLI (`npm install -g @fastly/cli`) and log in (`fastly profile create`)", process::describe(cmd))
    })?;
    if !out.status.success() {
        bail!(
            "`{}` failed ({}): {}",
            process::describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The id of the Config Store named `name` (`fastly config-store list --json`).
pub fn store_id(name: &str) -> Result<String> {
    let mut cmd = fastly();
    cmd.args(["config-store", "list", "--json"]);
    let text = output(&mut cmd)?;
    let list: Vec<serde_json::Value> = serde_json::from_str(&text)
        .with_context(|| format!("`{}` did not print a JSON list", process::describe(&cmd)))?;
    list.iter()
        .find(|s| s.get("name").and_then(|n| n.as_str()) == Some(name))
        .and_then(|s| s.get("id").and_then(|i| i.as_str()))
        .map(str::to_string)
        .with_context(|| format!("the Fastly account has no Config Store `{name}`; create it with `fastly config-store create --name={name}` and link it to the service (or deploy once: fastly.toml [setup.config_stores.{name}])"))
}

/// Writes `entries` (and the index) into the Fastly Config Store `name`, one
/// `fastly config-store-entry update --upsert` each, the value on standard input.
pub fn push_remote(name: &str, entries: &[(String, String)]) -> Result<usize> {
    for (k, v) in entries {
        if let Some(problem) = edgezero_fastly_names::config_entry_problem(k, v) {
            bail!("{problem}");
        }
    }
    let id = store_id(name)?;
    let all = edgezero_fastly_names::with_index(entries);
    for (key, value) in &all {
        let mut cmd = fastly();
        cmd.args(["config-store-entry", "update", "--upsert", "--store-id"])
            .arg(&id)
            .arg("--key")
            .arg(key)
            .arg("--stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot run `{}`", process::describe(&cmd)))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(value.as_bytes())?;
        }
        let status = child.wait()?;
        if !status.success() {
            bail!(
                "`{}` failed ({status}) for key `{key}`",
                process::describe(&cmd)
            );
        }
    }
    Ok(entries.len())
}

/// The fastly.toml a remote push concerns, for messages.
pub fn describe_remote(name: &str) -> String {
    format!("the Fastly Config Store `{name}` (fastly CLI)")
}
