//! `edgezero serve`: run the app locally.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::platform::Platform;
use crate::project::load_manifest;

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
[adapters.<name>.commands].serve in edgezero.toml replaces the built-in command and runs as
written: `spin up`'s options (--key-value, --env, --variable, --state-dir) are refused with it,
since it would not get them; put them in that command.";

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

/// Runs `edgezero serve`: the platform resolves the whole plan (what to build, which
/// runtime, which flags), then it runs.
pub fn run(args: &ServeArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    args.adapter.serve_plan(&manifest, args)?.run(&manifest)
}
