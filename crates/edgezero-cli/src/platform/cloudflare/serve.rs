//! `edgezero serve --adapter cloudflare`: the Worker built, then run under workerd
//! (miniflare) with its bindings from wrangler.toml, its secrets from `.dev.vars`, and its
//! stores persisted in the app's folder.

use anyhow::{bail, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;

use super::build::{ENTRY, OUT_DIR};
use super::runtime::{self, SeedEntry, WorkerPlan};
use super::wrangler::{self, read_dev_vars};
use super::{binding, load_wrangler};
use crate::key_values;
use crate::platform::serve::{read_seed_file, Build, Runtime, ServeArgs, ServePlan};
use crate::platform::Platform;
use crate::process;
use crate::project::{adapter_crate_dir, adapter_section};

/// Resolves everything `serve` needs; nothing is built or started yet.
pub fn plan(manifest: &Manifest, args: &ServeArgs) -> Result<ServePlan> {
    args.refuse_spin_only("a Worker reads EDGEZERO__* settings from wrangler.toml [vars], edgezero.toml [environment] and the shell, and its secrets from .dev.vars or --variable")?;
    let section = adapter_section(manifest, Platform::Cloudflare)?;
    if let Some(serve) = &section.commands.serve {
        return Ok(ServePlan {
            platform: Platform::Cloudflare,
            build: None,
            seed: None,
            runtime: Runtime::process(process::shell(serve), args, section),
        });
    }
    let crate_dir = adapter_crate_dir(manifest, Platform::Cloudflare)?;
    let (path, w) = load_wrangler(manifest)?;
    let state = match &args.state_dir {
        Some(dir) => std::env::current_dir()?.join(dir),
        None => runtime::default_state_dir(manifest),
    };
    let name = w.name.clone().unwrap_or_else(|| manifest.app.name.clone());
    let main = w.main.clone().unwrap_or_else(|| ENTRY.to_string());
    let mut plan = WorkerPlan::new(
        &name,
        wrangler::dir(&path).join(main),
        crate_dir.join(OUT_DIR),
        &state,
    );
    if let Some(date) = &w.compatibility_date {
        plan.compatibility_date = date.clone();
    }
    plan.kv = w.kv_namespaces.iter().map(|k| k.binding.clone()).collect();
    plan.atomic = w.atomic_bindings().map(str::to_string).collect();
    plan.durable_objects = w
        .durable_objects
        .bindings
        .iter()
        .map(|b| (b.name.clone(), b.class_name.clone()))
        .collect();
    plan.bindings.extend(w.var_strings());
    plan.bindings.extend(read_dev_vars(
        &wrangler::dir(&path).join(edgezero_cloudflare_names::DEV_VARS_FILE),
    )?);
    // NAME=VALUE, NAME=@FILE or NAME=- : a var or secret of the Worker, as written.
    for v in key_values::read(&args.variable)? {
        plan.bindings.insert(v.key, v.value);
    }
    if !args.key_value.is_empty() {
        let store = binding(manifest, &w, StoreKind::Kv, "default");
        if !w.binds_kv(&store) {
            bail!(
                "--key-value writes into the `default` KV store, but {} binds no `{store}`",
                path.display()
            );
        }
        for kv in key_values::read(&args.key_value)? {
            plan.seed
                .push(SeedEntry::new(&store, &kv.key, kv.value.as_bytes()));
        }
    }
    if let Some(file) = std::env::var_os(runtime::SEED_VAR).filter(|f| !f.is_empty()) {
        for entry in read_seed_file(std::path::Path::new(&file))? {
            let kind = match entry.kind.as_str() {
                "kv" => StoreKind::Kv,
                "config" => StoreKind::Config,
                other => bail!(
                    "{}: unknown store kind `{other}` (kv or config)",
                    std::path::Path::new(&file).display()
                ),
            };
            let store = binding(manifest, &w, kind, &entry.id);
            if !w.binds_kv(&store) {
                bail!(
                    "{}: store `{}` has no binding `{store}` in {}",
                    std::path::Path::new(&file).display(),
                    entry.id,
                    path.display()
                );
            }
            plan.seed.push(SeedEntry {
                binding: store,
                key: entry.key,
                value: entry.value,
            });
        }
    }
    let dir = runtime::install_dir(manifest);
    let command = plan.command(&dir)?;
    Ok(ServePlan {
        platform: Platform::Cloudflare,
        build: Some(Build::Worker {
            build: !args.no_build,
            miniflare: dir,
        }),
        seed: None,
        runtime: Runtime::process(command, args, section),
    })
}
