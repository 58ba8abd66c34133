//! `edgezero provision --adapter cloudflare`: every KV and config id gets its binding in
//! wrangler.toml. A binding that is missing, or whose namespace id is still the scaffold's
//! placeholder, gets a Workers KV namespace created with `wrangler kv namespace create` and
//! its id written in place (comments and the rest of the file kept; a second run changes
//! nothing). KV ids bound to the atomic store need nothing.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use edgezero_cloudflare_names::UNPROVISIONED_ID;
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

use super::{binding, load_wrangler};
use crate::process;

/// What provisioning does for one binding.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Add a `[[kv_namespaces]]` stanza.
    Add(String),
    /// Fill in the id of an existing stanza.
    FillId(String),
}

/// The steps for `manifest`'s stores, in id order (KV, then config).
pub fn plan(manifest: &Manifest) -> Result<(std::path::PathBuf, Vec<Step>)> {
    let (path, w) = load_wrangler(manifest)?;
    let mut steps = Vec::new();
    let ids = manifest
        .stores
        .kv
        .ids
        .iter()
        .map(|id| (StoreKind::Kv, id))
        .chain(
            manifest
                .stores
                .config
                .ids
                .iter()
                .map(|id| (StoreKind::Config, id)),
        );
    for (kind, id) in ids {
        let name = binding(manifest, &w, kind, id);
        if w.atomic_bindings().any(|b| b == name) {
            continue;
        }
        let step = match w.kv_namespaces.iter().find(|k| k.binding == name) {
            None => Step::Add(name),
            Some(k)
                if k.id
                    .as_deref()
                    .is_none_or(|i| i.is_empty() || i == UNPROVISIONED_ID) =>
            {
                Step::FillId(name)
            }
            Some(_) => continue,
        };
        if !steps.contains(&step) {
            steps.push(step);
        }
    }
    Ok((path, steps))
}

/// Runs `edgezero provision --adapter cloudflare`.
pub fn run(manifest: &Manifest, dry_run: bool) -> Result<()> {
    let (path, steps) = plan(manifest)?;
    if steps.is_empty() {
        eprintln!(
            "{}: every store has its binding; nothing to do",
            path.display()
        );
        return Ok(());
    }
    for step in &steps {
        let (Step::Add(name) | Step::FillId(name)) = step;
        if dry_run {
            eprintln!("would run `wrangler kv namespace create {name}` and write its id for binding `{name}` in {}", path.display());
            continue;
        }
        let id = create_namespace(&path, name)?;
        write_id(&path, name, &id)?;
        eprintln!(
            "binding `{name}`: Workers KV namespace {id} written to {}",
            path.display()
        );
    }
    if dry_run {
        eprintln!("dry run: nothing was created or written");
    }
    Ok(())
}

/// `wrangler kv namespace create <name>`, and the id it prints.
fn create_namespace(wrangler_toml: &Path, name: &str) -> Result<String> {
    let mut cmd = Command::new("wrangler");
    cmd.args(["kv", "namespace", "create", name, "--config"])
        .arg(wrangler_toml);
    let out = cmd.output().with_context(|| {
        format!("cannot run `{}`; install wrangler (`npm install -g wrangler`) and log in (`wrangler login`)", process::describe(&cmd))
    })?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "`{}` failed ({}):\n{}{}",
            process::describe(&cmd),
            out.status,
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    namespace_id(&text).with_context(|| {
        format!(
            "`{}` printed no namespace id:\n{text}",
            process::describe(&cmd)
        )
    })
}

/// The 32-hex-digit namespace id in wrangler's output (`id = "..."` or `"id": "..."`).
pub fn namespace_id(output: &str) -> Option<String> {
    output
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|w| w.len() == 32)
        .map(str::to_ascii_lowercase)
}

/// Writes `id` into the stanza of `name`, adding the stanza when there is none.
pub fn write_id(path: &Path, name: &str, id: &str) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let array = doc
        .entry("kv_namespaces")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .with_context(|| {
            format!(
                "{}: `kv_namespaces` is not an array of tables",
                path.display()
            )
        })?;
    let existing = array
        .iter()
        .position(|t| t.get("binding").and_then(|b| b.as_str()) == Some(name));
    match existing.and_then(|i| array.get_mut(i)) {
        Some(table) => {
            table["id"] = toml_edit::value(id);
        }
        None => {
            let mut table = Table::new();
            table["binding"] = toml_edit::value(name);
            table["id"] = toml_edit::value(id);
            array.push(table);
        }
    }
    std::fs::write(path, doc.to_string())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_id_in_either_output_shape() {
        let toml_shape = "🌀 Creating namespace\n[[kv_namespaces]]\nbinding = \"cache\"\nid = \"0F1e2d3c4b5a69788796a5b4c3d2e1f0\"\n";
        assert_eq!(
            namespace_id(toml_shape).as_deref(),
            Some("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
        );
        let json_shape = r#"{ "kv_namespaces": [{ "binding": "cache", "id": "00112233445566778899aabbccddeeff" }] }"#;
        assert_eq!(
            namespace_id(json_shape).as_deref(),
            Some("00112233445566778899aabbccddeeff")
        );
        assert_eq!(namespace_id("no id here"), None);
    }

    #[test]
    fn ids_are_filled_in_place_and_stanzas_added_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        std::fs::write(
            &path,
            "# the worker\nname = \"x\"\n\n# config\n[[kv_namespaces]]\nbinding = \"app_config\"\nid = \"to-be-provisioned\"\n",
        )
        .unwrap();
        write_id(&path, "app_config", "00112233445566778899aabbccddeeff").unwrap();
        write_id(&path, "cache", "ffeeddccbbaa99887766554433221100").unwrap();
        write_id(&path, "cache", "ffeeddccbbaa99887766554433221100").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# the worker\n") && text.contains("# config\n"),
            "{text}"
        );
        assert!(
            text.contains("id = \"00112233445566778899aabbccddeeff\""),
            "{text}"
        );
        assert_eq!(text.matches("binding = \"cache\"").count(), 1, "{text}");
        assert!(!text.contains("to-be-provisioned"), "{text}");
    }
}
