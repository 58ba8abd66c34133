//! `edgezero serve` in two steps: a platform resolves a [`ServePlan`] (what to build, which
//! runtime, which flags, each flag parsed once and every file it names read), then the plan
//! runs. Nothing is built, written or started before the whole plan is known to be valid.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::Args;
use edgezero_manifest::{AdapterSection, Manifest};

use super::spin::{push_redis, push_sqlite, SpinApp};
use super::{Platform, PushTarget};
use crate::process;

/// Arguments of `edgezero serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which platform to serve on.
    #[arg(long, value_enum, default_value = "native")]
    pub adapter: Platform,

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

    /// Spin, Cloudflare, Fastly: do not build first.
    #[arg(long)]
    pub no_build: bool,

    /// Spin, Cloudflare, Fastly: KEY=VALUE written into the `default` store before serving (as `spin up --key-value`);
    /// KEY=@FILE or KEY=- reads the value from FILE or standard input (for secrets).
    #[arg(long = "key-value", value_name = "KEY=VALUE")]
    pub key_value: Vec<String>,

    /// Spin: an environment variable for every component (as `spin up --env`).
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    pub env: Vec<String>,

    /// Spin: an application variable: NAME=VALUE, NAME=@file, or @file.json / @file.toml (as `spin up --variable`); Cloudflare: a var or secret of the Worker; Fastly: a secret of the app's Secret Stores.
    #[arg(long, value_name = "VARIABLE")]
    pub variable: Vec<String>,

    /// Spin: where the `default` store's file lives (as `spin up --state-dir`; default .spin next to spin.toml); Cloudflare, Fastly: where the local stores live (default .edgezero/<adapter>/state).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

impl ServeArgs {
    /// Refuses the options only `--adapter spin` takes (`--env`, `--embedded`,
    /// `--runtime-config`), saying with `instead` where this platform takes its settings.
    pub fn refuse_spin_only(&self, instead: &str) -> Result<()> {
        for (given, flag) in [
            (!self.env.is_empty(), "--env"),
            (self.embedded, "--embedded"),
            (self.runtime_config.is_some(), "--runtime-config"),
        ] {
            if given {
                bail!("{flag} is an option of --adapter spin; {instead}");
            }
        }
        Ok(())
    }

    /// The first of `spin up`'s value-carrying options given (`--key-value`, `--env`,
    /// `--variable`, `--state-dir`), for the runtimes that cannot take them.
    pub fn spin_up_flag(&self) -> Option<&'static str> {
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
}

/// Everything `edgezero serve` will do, in order: build, seed, run.
#[derive(Debug)]
pub struct ServePlan {
    /// The platform served on.
    pub platform: Platform,
    /// Built first, unless `--no-build`.
    pub build: Option<Build>,
    /// Values written into a store before the runtime starts, so they never appear on its
    /// command line.
    pub seed: Option<Seed>,
    /// What serves the app.
    pub runtime: Runtime,
}

/// What `serve` builds before it starts the runtime.
#[derive(Debug)]
pub enum Build {
    /// Every component of a Spin app, as `edgezero build --adapter spin` builds them.
    SpinComponents(Box<SpinApp>),
    /// A Cloudflare Worker (unless `--no-build`), and the local runtime installed.
    Worker {
        /// Build the Worker first.
        build: bool,
        /// Where miniflare is installed.
        miniflare: PathBuf,
    },
    /// A Fastly app (unless `--no-build`).
    Fastly {
        /// Build the app first.
        build: bool,
    },
}

/// `--key-value` pairs read from a file or standard input, written where the runtime reads
/// them before it starts, because the runtime takes them only as arguments (which `ps` shows).
#[derive(Debug)]
pub struct Seed {
    /// The store: a SQLite file in Spin's format, or Redis.
    pub target: PushTarget,
    /// The label written in a SQLite file.
    pub label: String,
    /// The pairs.
    pub pairs: Vec<(String, String)>,
    /// The runtime, for the message (`spin up`).
    pub runtime: &'static str,
}

impl Seed {
    fn write(&self) -> Result<()> {
        let place = match &self.target {
            PushTarget::Sqlite(file) => {
                push_sqlite::push(file, &self.label, &self.pairs)?;
                format!("SQLite file {}", file.display())
            }
            PushTarget::Redis(url) => {
                push_redis::push(url, &self.pairs)?;
                "Redis".to_string()
            }
            PushTarget::Cloud { .. }
            | PushTarget::WorkersLocal { .. }
            | PushTarget::Workers { .. }
            | PushTarget::FastlyLocal { .. }
            | PushTarget::Fastly { .. } => bail!(
                "a value for {} cannot be written to {} before it starts",
                self.runtime,
                self.target.describe()
            ),
        };
        let keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        eprintln!(
            "--key-value {}: written into the `{}` store ({place}) before {} starts, not passed on its command line",
            keys.join(", "),
            self.label,
            self.runtime
        );
        Ok(())
    }
}

/// What serves the app.
#[derive(Debug)]
// Built once per `serve`: the size of a `Command` beside a box does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Runtime {
    /// A child process (the native server, `spin up`, or `[adapters.<name>.commands].serve`),
    /// run in the manifest's directory with edgezero.toml `[environment]` and the listen
    /// address as `EDGEZERO__ADAPTER__HOST` / `EDGEZERO__ADAPTER__PORT`.
    Process {
        /// The command.
        command: Command,
        /// `--listen`'s address, else the adapter section's `host`.
        host: Option<String>,
        /// `--listen`'s port, else the adapter section's `port`.
        port: Option<u16>,
    },
    /// A runtime in this process (the embedded Spin-compatible host).
    InProcess(Box<dyn InProcess>),
}

/// A runtime that serves the app in the CLI's own process until it is stopped.
pub trait InProcess: std::fmt::Debug {
    /// Serves the app until it is stopped.
    fn run(self: Box<Self>, manifest: &Manifest) -> Result<ExitCode>;
}

impl Runtime {
    /// A child process, listening where `--listen` or the adapter section says.
    pub fn process(command: Command, args: &ServeArgs, section: &AdapterSection) -> Runtime {
        Runtime::Process {
            command,
            host: args
                .listen
                .map(|a| a.ip().to_string())
                .or_else(|| section.adapter.host.clone()),
            port: args.listen.map(|a| a.port()).or(section.adapter.port),
        }
    }
}

impl ServePlan {
    /// Builds, seeds, then serves until the runtime stops.
    pub fn run(self, manifest: &Manifest) -> Result<ExitCode> {
        match &self.build {
            Some(Build::SpinComponents(app)) => super::spin::build::build_all(manifest, app)?,
            Some(Build::Worker { build, miniflare }) => {
                if *build {
                    super::cloudflare::build::build(manifest, &[])?;
                }
                super::cloudflare::runtime::ensure_installed(miniflare)?;
            }
            Some(Build::Fastly { build: true }) => {
                super::fastly::build::build(manifest, &[])?;
            }
            Some(Build::Fastly { build: false }) | None => {}
        }
        if let Some(seed) = &self.seed {
            seed.write()?;
        }
        match self.runtime {
            Runtime::InProcess(runtime) => runtime.run(manifest),
            Runtime::Process {
                mut command,
                host,
                port,
            } => {
                command.current_dir(manifest.root());
                command.envs(&manifest.environment);
                if let Some(host) = host {
                    command.env("EDGEZERO__ADAPTER__HOST", host);
                }
                if let Some(port) = port {
                    command.env("EDGEZERO__ADAPTER__PORT", port.to_string());
                }
                eprintln!(
                    "serving {} ({}): {}",
                    manifest.app.name,
                    self.platform.name(),
                    process::describe(&command)
                );
                let status = process::run(&mut command)?;
                if status.success() {
                    Ok(ExitCode::SUCCESS)
                } else {
                    eprintln!(
                        "error: `{}` exited with {status}",
                        process::describe(&command)
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

/// One entry of a seed file: rows written into the local stores before the runtime starts
/// (`EDGEZERO_CLOUDFLARE_SEED`, `EDGEZERO_FASTLY_SEED`; the conformance runner writes them).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SeedFileEntry {
    /// `kv` or `config`.
    pub kind: String,
    /// The store id.
    pub id: String,
    /// The key.
    pub key: String,
    /// The value, base64.
    pub value: String,
}

/// Reads a seed file.
pub fn read_seed_file(path: &std::path::Path) -> Result<Vec<SeedFileEntry>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a list of seed entries", path.display()))
}
