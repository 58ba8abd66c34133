//! `edgezero serve`: run the app locally.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::Args;
use edgezero_manifest::Manifest;

use edgezero_spin_manifest::{up_options, RuntimeConfig, StoreConfig};

use crate::key_values::{self, KeyValue};
use crate::platform::spin::{self, discovery::SpinApp, push_redis, push_sqlite, DEFAULT_LABEL};
use crate::project::{adapter_crate_dir, adapter_section, load_manifest};
use crate::{process, Adapter};

pub const EXAMPLES: &str = "Examples:
  edgezero serve --adapter native
  edgezero serve --adapter native --manifest examples/url-shortener/edgezero.toml --listen 127.0.0.1:8080
  edgezero serve --adapter spin --runtime-config runtime-config.toml
  edgezero serve --adapter spin --key-value kv-credentials=@credentials.txt --variable api_token=@token.txt
  pass show kv-explorer | edgezero serve --adapter spin --key-value kv-credentials=-

Native: runs the crate of [adapters.native.adapter].crate with `cargo run`, in the manifest's
directory (KV data goes to .edgezero/sqlite_key_value.db there).
Spin: builds every component of spin.toml as `edgezero build --adapter spin` does (skip with
--no-build), then serves the whole app, every component on its routes: `spin up --from
<spin.toml> --runtime-config-file <file>` when the Spin CLI is on PATH, and the embedded
Spin-compatible host otherwise (--embedded forces it). `spin up`'s --key-value, --env, --variable and
--state-dir are passed to it as they are; the embedded host gives them Spin's meaning, and
reads variables from --variable, then SPIN_VARIABLE_<NAME>, then a .env file next to
edgezero.toml (where `spin up` runs), then spin.toml defaults. Both read and write .spin/sqlite_key_value.db next to
spin.toml, so data pushed with `edgezero config push --adapter spin --local` is what the app
reads.
Secrets: a command line is visible in `ps` while it runs, so pass a secret as
--key-value KEY=@FILE (the value is FILE's contents) or KEY=- (standard input; one per command),
without one trailing newline; KEY=@@... is a value that starts with `@`. Such a value never
reaches a command line: the embedded host writes it itself, and for `spin up` edgezero writes it
into the `default` store (its SQLite file or Redis) before starting it.
[adapters.<name>.commands].serve in edgezero.toml replaces the built-in command.";

/// Arguments of `edgezero serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which platform to serve on.
    #[arg(long, value_enum, default_value = "native")]
    pub adapter: Adapter,

    /// Address to listen on (default: the adapter's host/port, or 127.0.0.1:8787 native, 127.0.0.1:3000 Spin).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Build and run with optimisations (native).
    #[arg(long)]
    pub release: bool,

    /// Spin runtime config file (default: runtime-config.toml next to spin.toml, if present).
    #[arg(long, value_name = "FILE")]
    pub runtime_config: Option<PathBuf>,

    /// Spin: use the embedded host even when the Spin CLI is installed.
    #[arg(long)]
    pub embedded: bool,

    /// Spin: do not build the components first.
    #[arg(long)]
    pub no_build: bool,

    /// Spin: KEY=VALUE written into the `default` store before serving (as `spin up --key-value`);
    /// KEY=@FILE or KEY=- reads the value from FILE or standard input (for secrets).
    #[arg(long = "key-value", value_name = "KEY=VALUE")]
    pub key_value: Vec<String>,

    /// Spin: an environment variable for every component (as `spin up --env`).
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    pub env: Vec<String>,

    /// Spin: an application variable: NAME=VALUE, NAME=@file, or @file.json / @file.toml (as `spin up --variable`).
    #[arg(long, value_name = "VARIABLE")]
    pub variable: Vec<String>,

    /// Spin: where the `default` store's file lives (as `spin up --state-dir`; default .spin next to spin.toml).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

impl ServeArgs {
    fn spin_only_flags(&self) -> Option<&'static str> {
        if !self.key_value.is_empty() {
            Some("--key-value")
        } else if !self.env.is_empty() {
            Some("--env")
        } else if !self.variable.is_empty() {
            Some("--variable")
        } else if self.state_dir.is_some() {
            Some("--state-dir")
        } else {
            None
        }
    }

    /// `spin up`'s options: checked, with the caller's relative paths made absolute (the
    /// Spin CLI and the embedded host run from the manifest's directory). Key-values read
    /// from a file or stdin are left out: [`seed_default_store`] writes them.
    fn up_args(&self, key_values: &[KeyValue]) -> Result<Vec<String>> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let mut out = Vec::new();
        for kv in key_values.iter().filter(|kv| !kv.read) {
            out.extend([
                "--key-value".to_string(),
                format!("{}={}", kv.key, kv.value),
            ]);
        }
        for e in &self.env {
            up_options::key_value(e, "--env").map_err(anyhow::Error::msg)?;
            out.extend(["--env".to_string(), e.clone()]);
        }
        for v in &self.variable {
            up_options::variable(v, &cwd).map_err(anyhow::Error::msg)?;
            let absolute = match v.split_once("=@") {
                Some((name, file)) => format!("{name}=@{}", cwd.join(file).display()),
                None => match v.strip_prefix('@') {
                    Some(file) => format!("@{}", cwd.join(file).display()),
                    None => v.clone(),
                },
            };
            out.extend(["--variable".to_string(), absolute]);
        }
        if let Some(dir) = &self.state_dir {
            out.extend([
                "--state-dir".to_string(),
                cwd.join(dir).display().to_string(),
            ]);
        }
        Ok(out)
    }
}

/// Runs `edgezero serve`.
pub fn run(args: &ServeArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    if let (Adapter::Native, Some(flag)) = (args.adapter, args.spin_only_flags()) {
        bail!("{flag} is an option of `spin up`, for --adapter spin; the native server reads EDGEZERO__* variables from edgezero.toml [environment] and the shell");
    }
    // Read (and check) before building, so that a bad value fails at once.
    let key_values = key_values::read(&args.key_value)?;
    let mut cmd = match args.adapter {
        Adapter::Native => native_command(&manifest, args)?,
        Adapter::Spin => match spin_command(&manifest, args, &key_values)? {
            Some(cmd) => cmd,
            None => return embedded(&manifest, args, &key_values),
        },
    };
    cmd.current_dir(manifest.root());
    cmd.envs(&manifest.environment);
    let section = adapter_section(&manifest, args.adapter)?;
    let host = args
        .listen
        .map(|a| a.ip().to_string())
        .or_else(|| section.adapter.host.clone());
    let port = args.listen.map(|a| a.port()).or(section.adapter.port);
    if let Some(host) = host {
        cmd.env("EDGEZERO__ADAPTER__HOST", host);
    }
    if let Some(port) = port {
        cmd.env("EDGEZERO__ADAPTER__PORT", port.to_string());
    }
    eprintln!(
        "serving {} ({}): {}",
        manifest.app.name,
        args.adapter.name(),
        process::describe(&cmd)
    );
    let status = process::run(&mut cmd)?;
    if status.success() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: `{}` exited with {status}", process::describe(&cmd));
        Ok(ExitCode::from(1))
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn native_command(manifest: &Manifest, args: &ServeArgs) -> Result<Command> {
    let section = adapter_section(manifest, Adapter::Native)?;
    if let Some(serve) = &section.commands.serve {
        return Ok(process::shell(serve));
    }
    let dir = adapter_crate_dir(manifest, Adapter::Native)?;
    let mut cmd = Command::new(cargo());
    cmd.arg("run")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"));
    if args.release {
        cmd.arg("--release");
    }
    if let Some(listen) = args.listen {
        cmd.arg("--").arg("--listen").arg(listen.to_string());
    }
    Ok(cmd)
}

/// `spin.toml` of the Spin adapter: `[adapters.spin.adapter].manifest`, else `<crate>/spin.toml`.
pub fn spin_manifest(manifest: &Manifest) -> Result<PathBuf> {
    let section = adapter_section(manifest, Adapter::Spin)?;
    let path = match &section.adapter.manifest {
        Some(m) => manifest.resolve(m),
        None => adapter_crate_dir(manifest, Adapter::Spin)?.join("spin.toml"),
    };
    if !path.is_file() {
        bail!(
            "{} does not exist; set [adapters.spin.adapter].manifest in {} to your spin.toml",
            path.display(),
            manifest.path.display()
        );
    }
    Ok(path)
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

fn spin_listen(manifest: &Manifest, args: &ServeArgs) -> Result<Option<SocketAddr>> {
    if let Some(listen) = args.listen {
        return Ok(Some(listen));
    }
    let section = adapter_section(manifest, Adapter::Spin)?;
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

/// `spin up ...`, or `None` when the embedded host should serve.
fn spin_command(
    manifest: &Manifest,
    args: &ServeArgs,
    key_values: &[KeyValue],
) -> Result<Option<Command>> {
    let section = adapter_section(manifest, Adapter::Spin)?;
    if let Some(serve) = &section.commands.serve {
        return Ok(Some(process::shell(serve)));
    }
    let spin_toml = spin_manifest(manifest)?;
    if !args.no_build {
        let app = SpinApp::load(&spin_toml, manifest)?;
        let components = spin::build::select(&app, &[])?;
        for line in spin::build::summary(&spin::build::build(manifest, &app, &components, &[])?) {
            eprintln!("{line}");
        }
    }
    if args.embedded || !process::on_path("spin") {
        return Ok(None);
    }
    let spin_dir = spin_toml
        .parent()
        .context("spin.toml has no parent directory")?;
    let mut cmd = Command::new("spin");
    cmd.arg("up").arg("--from").arg(&spin_toml);
    if let Some(rc) = runtime_config(args, spin_dir)? {
        cmd.arg("--runtime-config-file").arg(rc);
    }
    if let Some(listen) = spin_listen(manifest, args)? {
        cmd.arg("--listen").arg(listen.to_string());
    }
    cmd.args(args.up_args(key_values)?);
    seed_default_store(args, spin_dir, key_values)?;
    Ok(Some(cmd))
}

/// `spin up` takes `--key-value` only as an argument, which `ps` shows while it runs. The
/// values read from a file or stdin are written here instead, where `spin up --key-value`
/// would write them: the `default` label's backend, as the runtime config declares it.
fn seed_default_store(args: &ServeArgs, spin_dir: &Path, key_values: &[KeyValue]) -> Result<()> {
    let pairs: Vec<(String, String)> = key_values
        .iter()
        .filter(|kv| kv.read)
        .map(|kv| (kv.key.clone(), kv.value.clone()))
        .collect();
    if pairs.is_empty() {
        return Ok(());
    }
    let explicit = runtime_config(args, spin_dir)?;
    let rc = RuntimeConfig::discover(explicit.as_deref(), spin_dir)?;
    let sqlite_file = match rc.key_value_stores.get(DEFAULT_LABEL) {
        None => Some(match &args.state_dir {
            Some(dir) => std::env::current_dir()
                .context("cannot read the current directory")?
                .join(dir)
                .join("sqlite_key_value.db"),
            None => edgezero_spin_manifest::default_kv_file(spin_dir),
        }),
        Some(StoreConfig::Sqlite { path: Some(file) }) => Some(file.clone()),
        Some(StoreConfig::Redis { url }) => {
            push_redis::push(url, &pairs)?;
            None
        }
        Some(other) => bail!(
            "--key-value with a value from a file or stdin: {} serves the `default` store from {}, which edgezero cannot write before `spin up` starts, and passing the value to `spin up --key-value` would show it in `ps`; serve with --embedded (it writes the value itself), or pass KEY=VALUE if the value is no secret",
            rc.describe(),
            other.describe()
        ),
    };
    let place = match sqlite_file {
        Some(file) => {
            push_sqlite::push(&file, DEFAULT_LABEL, &pairs)?;
            format!("SQLite file {}", file.display())
        }
        None => "Redis".to_string(),
    };
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    eprintln!(
        "--key-value {}: written into the `default` store ({place}) before `spin up` starts, not passed on its command line",
        keys.join(", ")
    );
    Ok(())
}

#[cfg(feature = "embedded-host")]
fn embedded(manifest: &Manifest, args: &ServeArgs, key_values: &[KeyValue]) -> Result<ExitCode> {
    let spin_toml = spin_manifest(manifest)?.canonicalize()?;
    let spin_dir = spin_toml
        .parent()
        .context("spin.toml has no parent directory")?
        .to_path_buf();
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut up = edgezero_spin_host::UpOptions {
        dotenv: Some(manifest.root().join(".env")),
        state_dir: args.state_dir.as_ref().map(|d| cwd.join(d)),
        ..Default::default()
    };
    for kv in key_values {
        up.key_values.push((kv.key.clone(), kv.value.clone()));
    }
    for e in &args.env {
        up.env
            .push(up_options::key_value(e, "--env").map_err(anyhow::Error::msg)?);
    }
    for v in &args.variable {
        up.variables
            .extend(up_options::variable(v, &cwd).map_err(anyhow::Error::msg)?);
    }
    let mut config = edgezero_spin_host::HostConfig::new(&spin_toml)
        .with_env(&|k| crate::project::native_env(manifest, k))?
        .up(up);
    if let Some(rc) = runtime_config(args, &spin_dir)? {
        config = config.runtime_config(rc);
    }
    if let Some(listen) = spin_listen(manifest, args)? {
        config = config.listen(listen);
    }
    for (k, v) in &manifest.environment {
        std::env::set_var(k, v);
    }
    eprintln!(
        "serving {} (spin, embedded host): {}",
        manifest.app.name,
        spin_toml.display()
    );
    edgezero_spin_host::run(config)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "embedded-host"))]
fn embedded(_manifest: &Manifest, _args: &ServeArgs, _key_values: &[KeyValue]) -> Result<ExitCode> {
    bail!(
        "the Spin CLI (`spin`) is not on PATH and this edgezero was built without the embedded host; \
         install Spin from https://spinframework.dev/install, or rebuild edgezero with the `embedded-host` feature"
    )
}
