//! `edgezero-spin-host`: serve a Spin app with the embedded host (like `spin up`, without
//! the Spin CLI).
//!
//! ```text
//! edgezero-spin-host --from examples/counter/crates/counter-adapter-spin/spin.toml
//! edgezero-spin-host --from spin.toml --runtime-config-file runtime-config.toml --listen 127.0.0.1:3001
//! ```

use std::path::PathBuf;

use clap::Parser;
use edgezero_spin_host::{run, HostConfig, UpOptions, DEFAULT_LISTEN};

/// Serve a Spin app (spin.toml) with the embedded, Spin-compatible host.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:\n  edgezero-spin-host --from spin.toml\n  edgezero-spin-host --from app/spin.toml --runtime-config-file app/runtime-config.toml --listen 127.0.0.1:3001\n\nExit status: 0 after a clean shutdown (Ctrl-C / SIGTERM), 1 when the app cannot be loaded or served."
)]
struct Args {
    /// The app's spin.toml, or the directory that contains it.
    #[arg(long, short = 'f', default_value = "spin.toml")]
    from: PathBuf,
    /// A runtime-config.toml with [key_value_store.<label>] stanzas.
    #[arg(long = "runtime-config-file", alias = "runtime-config")]
    runtime_config: Option<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: std::net::SocketAddr,
    /// KEY=VALUE written into the `default` store before serving.
    #[arg(long = "key-value", value_name = "KEY=VALUE")]
    key_value: Vec<String>,
    /// An environment variable for every component.
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// An application variable: NAME=VALUE, NAME=@file, or @file.json / @file.toml.
    #[arg(long, value_name = "VARIABLE")]
    variable: Vec<String>,
    /// Where the `default` store's file lives (default: .spin next to spin.toml).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
}

/// `spin up`'s options, read with Spin's syntax; `.env` is read in the working directory.
fn up_options(args: &Args) -> anyhow::Result<UpOptions> {
    use anyhow::Context as _;
    use edgezero_spin_manifest::up_options::{key_value, variable};
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut up = UpOptions {
        dotenv: Some(cwd.join(".env")),
        state_dir: args.state_dir.clone(),
        ..Default::default()
    };
    for kv in &args.key_value {
        up.key_values.push(key_value(kv, "--key-value")?);
    }
    for e in &args.env {
        up.env.push(key_value(e, "--env")?);
    }
    for v in &args.variable {
        up.variables.extend(variable(v, &cwd)?);
    }
    Ok(up)
}

fn main() {
    let args = Args::parse();
    let spin_toml = if args.from.is_dir() {
        args.from.join("spin.toml")
    } else {
        args.from.clone()
    };
    let mut config = match HostConfig::new(spin_toml)
        .listen(args.listen)
        .with_env(&edgezero_env::process_env)
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    config.up = match up_options(&args) {
        Ok(up) => up,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    };
    config.runtime_config = args.runtime_config;
    if let Err(e) = run(config) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
