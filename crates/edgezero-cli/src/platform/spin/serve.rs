//! `edgezero serve --adapter spin`: `spin up` when the Spin CLI is on PATH, else the embedded
//! Spin-compatible host, or `[adapters.spin.commands].serve`; every component built first.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use edgezero_manifest::{AdapterSection, Manifest};
use edgezero_spin_manifest::{up_options, RuntimeConfig, StoreConfig};

use super::discovery::SpinApp;
use super::DEFAULT_LABEL;
use crate::key_values::{self, KeyValue};
use crate::platform::serve::ServeArgs;
use crate::platform::serve::{Build, InProcess, Runtime, Seed, ServePlan};
use crate::platform::{Platform, PushTarget};
use crate::process;

/// `spin up`'s options, each parsed once (every file named read), with the caller's relative
/// paths made absolute: `spin up` and the embedded host run from the manifest's directory.
#[derive(Debug)]
struct UpFlags {
    key_values: Vec<KeyValue>,
    /// `--env` as given, with its parsed pair.
    env: Vec<(String, (String, String))>,
    /// `--variable` with its file made absolute, with the values it gives.
    variables: Vec<(String, Vec<(String, String)>)>,
    state_dir: Option<PathBuf>,
}

impl UpFlags {
    fn parse(args: &ServeArgs) -> Result<UpFlags> {
        // Read (and check) before anything else, so that a bad value fails at once.
        let key_values = key_values::read(&args.key_value)?;
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let mut env = Vec::new();
        for e in &args.env {
            let pair = up_options::key_value(e, "--env")?;
            env.push((e.clone(), pair));
        }
        let mut variables = Vec::new();
        for v in &args.variable {
            let values = up_options::variable(v, &cwd)?;
            let absolute = match v.split_once("=@") {
                Some((name, file)) => format!("{name}=@{}", cwd.join(file).display()),
                None => match v.strip_prefix('@') {
                    Some(file) => format!("@{}", cwd.join(file).display()),
                    None => v.clone(),
                },
            };
            variables.push((absolute, values));
        }
        Ok(UpFlags {
            key_values,
            env,
            variables,
            state_dir: args.state_dir.as_ref().map(|d| cwd.join(d)),
        })
    }

    /// `spin up`'s arguments. Key-values read from a file or stdin are left out: a [`Seed`]
    /// writes them.
    fn up_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for kv in self.key_values.iter().filter(|kv| !kv.read) {
            out.extend([
                "--key-value".to_string(),
                format!("{}={}", kv.key, kv.value),
            ]);
        }
        for (e, _) in &self.env {
            out.extend(["--env".to_string(), e.clone()]);
        }
        for (v, _) in &self.variables {
            out.extend(["--variable".to_string(), v.clone()]);
        }
        if let Some(dir) = &self.state_dir {
            out.extend(["--state-dir".to_string(), dir.display().to_string()]);
        }
        out
    }
}

/// Resolves `serve --adapter spin`: flags, spin.toml, runtime config, address, runtime.
pub fn plan(manifest: &Manifest, args: &ServeArgs) -> Result<ServePlan> {
    let flags = UpFlags::parse(args)?;
    let section = super::section(manifest)?;
    if let Some(serve) = &section.commands.serve {
        if let Some(flag) = args.spin_up_flag() {
            bail!(
                "{flag} is not passed to [adapters.spin.commands].serve (`{serve}`) in {}, which replaces `spin up` and the embedded host; put the option in that command, or remove the line so that edgezero serves with `spin up` or the embedded host, which take it",
                manifest.path.display()
            );
        }
        return Ok(ServePlan {
            platform: Platform::Spin,
            build: None,
            seed: None,
            runtime: Runtime::process(process::shell(serve), args, section),
        });
    }
    let spin_toml = super::manifest_path(manifest)?;
    let build = if args.no_build {
        None
    } else {
        Some(Build::SpinComponents(Box::new(SpinApp::load(
            &spin_toml, manifest,
        )?)))
    };
    let listen = listen(section, args)?;
    if args.embedded || !process::on_path("spin") {
        let spin_toml = spin_toml
            .canonicalize()
            .with_context(|| format!("cannot resolve the path {}", spin_toml.display()))?;
        let runtime_config = runtime_config(args, spin_dir(&spin_toml)?)?;
        return Ok(ServePlan {
            platform: Platform::Spin,
            build,
            seed: None,
            runtime: Runtime::InProcess(Box::new(EmbeddedHost {
                spin_toml,
                runtime_config,
                listen,
                flags,
            })),
        });
    }
    let dir = spin_dir(&spin_toml)?;
    let runtime_config = runtime_config(args, dir)?;
    let mut cmd = Command::new("spin");
    cmd.arg("up").arg("--from").arg(&spin_toml);
    if let Some(rc) = &runtime_config {
        cmd.arg("--runtime-config-file").arg(rc);
    }
    if let Some(listen) = listen {
        cmd.arg("--listen").arg(listen.to_string());
    }
    cmd.args(flags.up_args());
    let seed = seed(&flags, runtime_config.as_deref(), dir)?;
    Ok(ServePlan {
        platform: Platform::Spin,
        build,
        seed,
        runtime: Runtime::process(cmd, args, section),
    })
}

fn spin_dir(spin_toml: &Path) -> Result<&Path> {
    spin_toml
        .parent()
        .context("spin.toml has no parent directory")
}

/// The Spin runtime config: `--runtime-config`, else `runtime-config.toml` next to spin.toml.
fn runtime_config(args: &ServeArgs, spin_dir: &Path) -> Result<Option<PathBuf>> {
    match &args.runtime_config {
        Some(p) => Ok(Some(p.canonicalize().with_context(|| {
            format!("runtime config {} does not exist", p.display())
        })?)),
        None => Ok(Some(spin_dir.join("runtime-config.toml")).filter(|p| p.is_file())),
    }
}

/// `--listen`, else `[adapters.spin.adapter]` host/port, else Spin's default.
fn listen(section: &AdapterSection, args: &ServeArgs) -> Result<Option<SocketAddr>> {
    if let Some(listen) = args.listen {
        return Ok(Some(listen));
    }
    let host = section
        .adapter
        .host
        .clone()
        .unwrap_or_else(|| "127.0.0.1".into());
    match section.adapter.port {
        Some(port) => {
            let addr = format!("{host}:{port}");
            Ok(Some(addr.parse().with_context(|| {
                format!("[adapters.spin.adapter] host/port `{addr}` is not an address")
            })?))
        }
        None => Ok(None),
    }
}

/// `spin up` takes `--key-value` only as an argument, which `ps` shows while it runs. The
/// values read from a file or stdin are written instead where `spin up --key-value` would
/// write them: the `default` label's backend, as the runtime config declares it.
fn seed(flags: &UpFlags, runtime_config: Option<&Path>, spin_dir: &Path) -> Result<Option<Seed>> {
    let pairs: Vec<(String, String)> = flags
        .key_values
        .iter()
        .filter(|kv| kv.read)
        .map(|kv| (kv.key.clone(), kv.value.clone()))
        .collect();
    if pairs.is_empty() {
        return Ok(None);
    }
    let rc = RuntimeConfig::discover(runtime_config, spin_dir)?;
    let target = match rc.key_value_stores.get(DEFAULT_LABEL) {
        None => PushTarget::Sqlite(match &flags.state_dir {
            Some(dir) => dir.join("sqlite_key_value.db"),
            None => edgezero_spin_manifest::default_kv_file(spin_dir),
        }),
        Some(StoreConfig::Sqlite { path: Some(file) }) => PushTarget::Sqlite(file.clone()),
        Some(StoreConfig::Redis { url }) => PushTarget::Redis(url.clone()),
        Some(other) => bail!(
            "--key-value with a value from a file or stdin: {} serves the `default` store from {}, which edgezero cannot write before `spin up` starts, and passing the value to `spin up --key-value` would show it in `ps`; serve with --embedded (it writes the value itself), or pass KEY=VALUE if the value is no secret",
            rc.describe(),
            other.describe()
        ),
    };
    Ok(Some(Seed {
        target,
        label: DEFAULT_LABEL.to_string(),
        pairs,
        runtime: "`spin up`",
    }))
}

/// The embedded host's settings, resolved.
#[derive(Debug)]
#[cfg_attr(not(feature = "embedded-host"), allow(dead_code))]
pub struct EmbeddedHost {
    spin_toml: PathBuf,
    runtime_config: Option<PathBuf>,
    listen: Option<SocketAddr>,
    flags: UpFlags,
}

impl InProcess for EmbeddedHost {
    /// Serves the app in this process until it is stopped.
    #[cfg(feature = "embedded-host")]
    fn run(self: Box<Self>, manifest: &Manifest) -> Result<ExitCode> {
        let UpFlags {
            key_values,
            env,
            variables,
            state_dir,
        } = self.flags;
        let up = edgezero_spin_host::UpOptions {
            key_values: key_values
                .into_iter()
                .map(|kv| (kv.key, kv.value))
                .collect(),
            env: env.into_iter().map(|(_, pair)| pair).collect(),
            variables: variables.into_iter().flat_map(|(_, v)| v).collect(),
            dotenv: Some(manifest.root().join(".env")),
            state_dir,
        };
        let mut config = edgezero_spin_host::HostConfig::new(&self.spin_toml)
            .with_env(&|k| crate::project::native_env(manifest, k))?
            .up(up);
        if let Some(rc) = self.runtime_config {
            config = config.runtime_config(rc);
        }
        if let Some(listen) = self.listen {
            config = config.listen(listen);
        }
        for (k, v) in &manifest.environment {
            std::env::set_var(k, v);
        }
        eprintln!(
            "serving {} (spin, embedded host): {}",
            manifest.app.name,
            self.spin_toml.display()
        );
        edgezero_spin_host::run(config)?;
        Ok(ExitCode::SUCCESS)
    }

    /// Without the embedded host, there is nothing to serve with.
    #[cfg(not(feature = "embedded-host"))]
    fn run(self: Box<Self>, _manifest: &Manifest) -> Result<ExitCode> {
        bail!(
            "the Spin CLI (`spin`) is not on PATH and this edgezero was built without the embedded host; \
             install Spin from https://spinframework.dev/install, or rebuild edgezero with the `embedded-host` feature"
        )
    }
}
