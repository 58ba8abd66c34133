//! `edgezero build --adapter cloudflare`: the Worker crate for `wasm32-unknown-unknown`,
//! then `wasm-bindgen` (the version of the crate's Cargo.lock, installed with cargo), then the
//! entry module that workerd loads. No bundler and nothing downloaded: the output is
//!
//! ```text
//! <crate>/build/index.js          wasm-bindgen's glue (imports the module below)
//! <crate>/build/index_bg.wasm     the Worker's code
//! <crate>/build/snippets/...      JavaScript snippets of the Rust crates
//! <crate>/build/worker/shim.mjs   the entry (wrangler.toml `main`): `fetch`, and the
//!                                 atomic store's Durable Object class
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use edgezero_cloudflare_names::ATOMIC_KV_CLASS;
use edgezero_manifest::Manifest;

use crate::platform::toolchain::{self, Target};
use crate::platform::Platform;
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section};

/// Where the build writes, relative to the Worker crate.
pub const OUT_DIR: &str = "build";

/// The entry module, relative to the Worker crate (wrangler.toml's `main`).
pub const ENTRY: &str = "build/worker/shim.mjs";

/// The built Worker.
#[derive(Debug, Clone)]
pub struct Built {
    /// The entry module.
    pub entry: PathBuf,
}

/// Builds the app's Worker (or runs `[adapters.cloudflare.commands].build`).
pub fn run(manifest: &Manifest, components: &[String], extra: &[String]) -> Result<()> {
    if !components.is_empty() {
        bail!("--component selects components of spin.toml; it is an option of --adapter spin");
    }
    let built = build(manifest, extra)?;
    eprintln!("built {}", built.entry.display());
    Ok(())
}

/// Builds, and says where the Worker is.
pub fn build(manifest: &Manifest, extra: &[String]) -> Result<Built> {
    let section = adapter_section(manifest, Platform::Cloudflare)?;
    let crate_dir = adapter_crate_dir(manifest, Platform::Cloudflare)?;
    let out_dir = crate_dir.join(OUT_DIR);
    if let Some(build) = &section.commands.build {
        let mut cmd = process::shell(build);
        cmd.args(extra).current_dir(manifest.root());
        toolchain::run_build(&mut cmd, "the Worker build")?;
        return Ok(Built {
            entry: crate_dir.join(ENTRY),
        });
    }
    let package = toolchain::package_name(&crate_dir)?;
    let target_dir = toolchain::target_dir(
        manifest,
        "EDGEZERO_CLOUDFLARE_TARGET_DIR",
        "target/wasm-cloudflare",
    );
    let mut cargo = toolchain::build_command(
        &toolchain::detect(Target::Unknown)?,
        Target::Unknown,
        &crate_dir,
    );
    cargo.env("CARGO_TARGET_DIR", &target_dir).args(extra);
    toolchain::run_build(&mut cargo, "the Worker build")?;
    let wasm = target_dir
        .join(Target::Unknown.triple())
        .join("release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    if !wasm.is_file() {
        bail!("the build finished but {} is missing", wasm.display());
    }
    bindgen(&crate_dir, &wasm, &out_dir)?;
    let entry = crate_dir.join(ENTRY);
    // The app's own Durable Object classes, as wrangler.toml binds them.
    let classes: Vec<String> = match super::load_wrangler(manifest) {
        Ok((_, w)) => w
            .durable_objects
            .bindings
            .into_iter()
            .map(|b| b.class_name)
            .collect(),
        Err(_) => Vec::new(),
    };
    write_entry(&out_dir, &entry, &classes)?;
    Ok(Built { entry })
}

/// The `wasm-bindgen` version in the crate's Cargo.lock: the CLI that processes the module
/// must be exactly that version.
pub fn locked_bindgen_version(crate_dir: &Path) -> Result<String> {
    let lock = crate_dir.join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).with_context(|| {
        format!(
            "cannot read {} (the Worker build writes it)",
            lock.display()
        )
    })?;
    let doc: toml::Value =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", lock.display()))?;
    doc.get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("wasm-bindgen"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .with_context(|| {
            format!(
                "{} has no wasm-bindgen package; is the crate a workers-rs Worker?",
                lock.display()
            )
        })
}

/// Runs the `wasm-bindgen` CLI of the locked version over the module.
fn bindgen(crate_dir: &Path, wasm: &Path, out_dir: &Path) -> Result<()> {
    let version = locked_bindgen_version(crate_dir)?;
    let install = format!("cargo install wasm-bindgen-cli --version {version}");
    let Some(dir) = toolchain::find_tool("wasm-bindgen") else {
        bail!("wasm-bindgen is not installed; the Worker needs version {version} (its Cargo.lock).\nfix: {install}");
    };
    let tool = dir.join("wasm-bindgen");
    let out = Command::new(&tool)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {}", tool.display()))?;
    let found = String::from_utf8_lossy(&out.stdout);
    let found = found.split_whitespace().nth(1).unwrap_or("").to_string();
    if found != version {
        bail!(
            "{} is version {found}, but the Worker's Cargo.lock has wasm-bindgen {version}; they must match.\nfix: {install}",
            tool.display()
        );
    }
    if out_dir.exists() {
        std::fs::remove_dir_all(out_dir)
            .with_context(|| format!("cannot clear {}", out_dir.display()))?;
    }
    let mut cmd = Command::new(&tool);
    cmd.arg(wasm).arg("--out-dir").arg(out_dir).args([
        "--out-name",
        "index",
        "--target",
        "module",
        "--no-typescript",
        // A Worker's size counts against its limit: no function names, no producers.
        "--remove-name-section",
        "--remove-producers-section",
    ]);
    toolchain::run_build(&mut cmd, "wasm-bindgen")?;
    // wasm-bindgen imports the module as a source-phase import; workerd (and wrangler's
    // bundler) take a plain default import of a `.wasm` file as the compiled module.
    let glue = out_dir.join("index.js");
    let text = std::fs::read_to_string(&glue)
        .with_context(|| format!("cannot read {}", glue.display()))?;
    let text = text.replace("import source wasmModule from", "import wasmModule from");
    std::fs::write(&glue, text).with_context(|| format!("cannot write {}", glue.display()))
}

/// The entry module: the Worker's `fetch`, the atomic store's class, and every Durable Object
/// class `wrangler.toml` binds that the module defines.
fn write_entry(out_dir: &Path, entry: &Path, classes: &[String]) -> Result<()> {
    let glue = std::fs::read_to_string(out_dir.join("index.js"))?;
    let mut text = String::from(
        "// Written by `edgezero build --adapter cloudflare`.\nimport * as app from \"../index.js\";\n",
    );
    let mut exported: Vec<&str> = Vec::new();
    for class in std::iter::once(ATOMIC_KV_CLASS).chain(classes.iter().map(String::as_str)) {
        if !exported.contains(&class) && glue.contains(&format!("export class {class} ")) {
            text.push_str(&format!("export {{ {class} }} from \"../index.js\";\n"));
            exported.push(class);
        }
    }
    text.push_str("export default {\n    fetch(request, env, ctx) {\n        return app.fetch(request, env, ctx);\n    },\n};\n");
    if let Some(dir) = entry.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(entry, text).with_context(|| format!("cannot write {}", entry.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locked_bindgen_version_is_read_from_the_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.lock"),
            "version = 4\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n",
        )
        .unwrap();
        assert_eq!(locked_bindgen_version(dir.path()).unwrap(), "0.2.130");
        std::fs::write(dir.path().join("Cargo.lock"), "version = 4\n").unwrap();
        let err = locked_bindgen_version(dir.path()).unwrap_err().to_string();
        assert!(err.contains("has no wasm-bindgen package"), "{err}");
    }

    #[test]
    fn the_entry_exports_the_atomic_class_and_the_bound_classes_the_worker_has() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("build");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(
            out.join("index.js"),
            "export class EdgeZeroAtomicKv {\n}\nexport class Room {\n}\nexport class R2Range {\n}\n",
        )
        .unwrap();
        let entry = dir.path().join(ENTRY);
        let classes = [
            "Room".to_string(),
            "Missing".to_string(),
            "Room".to_string(),
        ];
        write_entry(&out, &entry, &classes).unwrap();
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(
            text.contains("export { EdgeZeroAtomicKv } from \"../index.js\";"),
            "{text}"
        );
        assert_eq!(text.matches("export { Room } from").count(), 1, "{text}");
        assert!(
            !text.contains("Missing") && !text.contains("R2Range"),
            "{text}"
        );
        assert!(text.contains("return app.fetch(request, env, ctx);"));
    }
}
