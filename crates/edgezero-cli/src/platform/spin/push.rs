//! Where `edgezero config push --adapter spin` writes, in the documented order: `--local`
//! → Fermyon Cloud when the deploy command is `spin deploy` → the label's backend in
//! runtime-config.toml → only `default` falls through to the local SQLite file.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use edgezero_core::env::StoreKind;
use edgezero_manifest::Manifest;
use edgezero_spin_manifest::{stanza_for, RuntimeConfig, StoreConfig};

use super::deploy::deploys_to_cloud;
use super::discovery::SpinApp;
use super::DEFAULT_LABEL;
use crate::platform::PushTarget as Target;

/// The label config id `id` opens on Spin, and where a push to it goes.
pub fn target(
    manifest: &Manifest,
    id: &str,
    local: bool,
    runtime_config: Option<&Path>,
) -> Result<(String, Target)> {
    let app = super::load_app(manifest)?;
    let label = app.label(StoreKind::Config, id)?;
    let rc = RuntimeConfig::discover(runtime_config, app.dir())?;
    let target = resolve(local, deploys_to_cloud(manifest), &label, &rc, &app)?;
    Ok((label, target))
}

/// Resolves the destination of a push to `label`, exactly in the documented order.
pub fn resolve(
    local: bool,
    cloud: bool,
    label: &str,
    rc: &RuntimeConfig,
    app: &SpinApp,
) -> Result<Target> {
    let default_file = edgezero_spin_manifest::default_kv_file(app.dir());
    let stanza = rc.key_value_stores.get(label);
    let need_stanza = || {
        anyhow::anyhow!(
            "label `{label}` has no stanza in {}; `spin up` fails with `unknown key_value_stores label \"{label}\"` without one, so nothing was pushed. Add:\n\n{}\n",
            rc.describe(),
            stanza_for(label)
        )
    };
    let sqlite = |path: &Option<PathBuf>| {
        match path {
        Some(p) => Ok(Target::Sqlite(p.clone())),
        None => bail!(
            "[key_value_store.{label}] in {} has type \"spin\" and no `path`, so `spin up` keeps label `{label}` in memory and the app would never see pushed data; nothing was pushed. Give it a file, e.g.\n\n{}\n",
            rc.describe(),
            stanza_for(label)
        ),
    }
    };
    if local {
        return match stanza {
            None if label == DEFAULT_LABEL => Ok(Target::Sqlite(default_file)),
            None => Err(need_stanza()),
            Some(StoreConfig::Sqlite { path }) => sqlite(path),
            Some(other) => bail!(
                "--local writes a local SQLite file, but {} serves label `{label}` from {}, so the app would not see it; drop --local",
                rc.describe(),
                other.describe()
            ),
        };
    }
    if cloud {
        return Ok(Target::Cloud {
            app: app.app_name().to_string(),
        });
    }
    match stanza {
        Some(StoreConfig::Sqlite { path }) => sqlite(path),
        Some(StoreConfig::Redis { url }) => Ok(Target::Redis(url.clone())),
        Some(StoreConfig::Cloud { kind }) => {
            let tool = match kind.as_str() {
                "azure_cosmos" => "the Azure CLI (`az cosmosdb ...`) or the Azure portal",
                "aws_dynamo" => "the AWS CLI (`aws dynamodb put-item ...`)",
                _ => "that backend's own tools",
            };
            bail!(
                "label `{label}` is served by `{kind}` in {}; EdgeZero cannot write it, use {tool}",
                rc.describe()
            )
        }
        None if label == DEFAULT_LABEL => Ok(Target::Sqlite(default_file)),
        None => Err(need_stanza()),
    }
}
