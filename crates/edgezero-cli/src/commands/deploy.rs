//! `edgezero deploy`: ship the app.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;

use crate::platform::Platform;
use crate::process;
use crate::project::{adapter_section, load_manifest};

pub const EXAMPLES: &str = "Examples:
  edgezero deploy --adapter spin
  edgezero deploy --adapter spin --key-value kv-credentials=@credentials.txt --variable api_token=@token.txt
  edgezero deploy --adapter spin -- --build
  edgezero deploy --adapter cloudflare

Spin: `spin deploy --from <dir of spin.toml>`. Spin 4 needs a deploy plugin: set
SPIN_DEPLOY_PLUGIN (e.g. `cloud`) or put `spin cloud deploy --from ...` in
[adapters.spin.commands].deploy. That override replaces the built-in command.
When the target is Fermyon Cloud (`spin deploy`, `spin cloud deploy`, SPIN_DEPLOY_PLUGIN=cloud)
or Akamai Functions (`spin aka deploy`), a built component that imports wasi:keyvalue/atomics
is refused before anything runs: they lack it; build with edgezero-adapter-spin's
`default-features = false`.
Cloudflare: builds the Worker, then `wrangler deploy --config <wrangler.toml>` (arguments after
`--` go to wrangler).
--key-value and --variable are passed to the deploy command as they are (Fermyon Cloud
pre-seeds the `default` store and sets application variables with them).
--key-value KEY=@FILE and KEY=- read the value from FILE or standard input (one per command),
without one trailing newline; KEY=@@... is a value that starts with `@`. That keeps a secret out
of your shell history and of edgezero's own command line, but Spin takes key-values only as
arguments: the deploy command gets `--key-value KEY=VALUE`, which `ps` on this machine shows
while the deploy runs.";

/// Arguments of `edgezero deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Which platform to deploy to.
    #[arg(long, value_enum)]
    pub adapter: Platform,
    /// KEY=VALUE written into the `default` store at deploy (`spin deploy --key-value`);
    /// KEY=@FILE or KEY=- reads the value from FILE or standard input.
    #[arg(long = "key-value", value_name = "KEY=VALUE")]
    pub key_value: Vec<String>,
    /// An application variable (`spin deploy --variable`): NAME=VALUE, NAME=@file, @file.json.
    #[arg(long, value_name = "VARIABLE")]
    pub variable: Vec<String>,
    /// Extra arguments passed to the deploy command (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

impl DeployArgs {
    /// `--key-value` / `--variable` as the deploy command's arguments, checked first.
    fn passthrough(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for kv in crate::key_values::read(&self.key_value)? {
            out.extend([
                "--key-value".to_string(),
                format!("{}={}", kv.key, kv.value),
            ]);
        }
        for v in &self.variable {
            if !v.starts_with('@') {
                edgezero_spin_manifest::up_options::key_value(v, "--variable")?;
            }
            out.extend(["--variable".to_string(), v.clone()]);
        }
        out.extend(self.args.iter().cloned());
        Ok(out)
    }
}

/// Runs `edgezero deploy`: `[adapters.<name>.commands].deploy` when set, else the
/// platform's own deploy.
pub fn run(args: &DeployArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    let section = adapter_section(&manifest, args.adapter)?;
    let extra = args.passthrough()?;
    args.adapter.check_deploy(&manifest)?;
    if let Some(deploy) = &section.commands.deploy {
        let mut cmd = process::shell(&format!("{deploy} \"$@\""));
        cmd.arg("edgezero-deploy")
            .args(&extra)
            .current_dir(manifest.root());
        let status = process::run(&mut cmd)?;
        if !status.success() {
            bail!("deploy command failed ({status}): {deploy}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    args.adapter.deploy(&manifest, &extra)?;
    Ok(ExitCode::SUCCESS)
}
