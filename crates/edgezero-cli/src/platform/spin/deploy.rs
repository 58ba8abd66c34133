//! `edgezero deploy --adapter spin`: `spin deploy --from <dir of spin.toml>`.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use edgezero_manifest::Manifest;

use crate::process;

/// Runs `spin deploy` with `extra`; when Spin 4 asks which deploy plugin to use, says how to
/// choose one.
pub fn run(manifest: &Manifest, extra: &[String]) -> Result<()> {
    if !process::on_path("spin") {
        bail!("the Spin CLI (`spin`) is not on PATH; install it from https://spinframework.dev/install, then run `spin cloud login`");
    }
    let spin_toml = super::manifest_path(manifest)?;
    let dir = spin_toml
        .parent()
        .context("spin.toml has no parent directory")?;
    let mut cmd = Command::new("spin");
    cmd.arg("deploy")
        .arg("--from")
        .arg(dir)
        .args(extra)
        .current_dir(manifest.root());
    cmd.stderr(Stdio::piped());
    let child = cmd.spawn().context("cannot start `spin deploy`")?;
    let out = child
        .wait_with_output()
        .context("waiting for `spin deploy` failed")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprint!("{stderr}");
    if !out.status.success() {
        if stderr.contains("SPIN_DEPLOY_PLUGIN")
            || stderr.to_ascii_lowercase().contains("deploy plugin")
        {
            bail!(
                "Spin 4 needs to know which platform to deploy to: set SPIN_DEPLOY_PLUGIN=cloud, or add\n\n[adapters.spin.commands]\ndeploy = \"spin cloud deploy --from {}\"\n\nin {}",
                dir.display(),
                manifest.path.display()
            );
        }
        bail!("`spin deploy` failed ({})", out.status);
    }
    Ok(())
}

/// Refuses to deploy a built component that imports `wasi:keyvalue/atomics` to a target
/// without it (see [`super::imports::atomics_problems`]).
pub fn check(manifest: &Manifest) -> Result<()> {
    let Some(target) = super::imports::deploy_target_without_atomics(manifest) else {
        return Ok(());
    };
    let app = super::load_app(manifest)?;
    let problems = super::imports::atomics_problems(target, &app);
    if !problems.is_empty() {
        bail!("not deploying: {}", problems.join("\n"));
    }
    Ok(())
}

/// Whether the deploy command targets Fermyon Cloud (`spin deploy` / `spin cloud deploy`).
pub fn deploys_to_cloud(manifest: &Manifest) -> bool {
    manifest
        .adapter("spin")
        .and_then(|a| a.commands.deploy.as_deref())
        .is_some_and(|d| d.contains("spin deploy") || d.contains("spin cloud deploy"))
}
