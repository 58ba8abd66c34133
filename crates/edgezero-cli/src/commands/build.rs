//! `edgezero build`: compile the app for a platform.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::platform::Platform;
use crate::project::load_manifest;

pub const EXAMPLES: &str = "Examples:
  edgezero build --adapter spin
  edgezero build --adapter spin --component kv-explorer
  edgezero build --adapter native -- --release
  edgezero build --adapter cloudflare

Spin: builds every component of spin.toml, in the file's order, or only those named with
--component (repeatable). The EdgeZero component ([adapters.spin.adapter].component, the only
component, or the one whose `source` is the file [adapters.spin.adapter].crate builds) is
built by EdgeZero: [adapters.spin.commands].build if set, else `cargo build --target
wasm32-wasip2 --release` in the Spin crate, into the target directory that the component's
`source` points into; without a rustup wasm32-wasip2 target it uses Debian's rustc-web
toolchain when installed, and otherwise says how to install one (with neither set, its
[component.<id>.build] is used). Arguments after `--` go to that build. Every other component
is built as `spin build` builds it: each command of
[component.<id>.build] through `sh -c`, in its `workdir` (relative to spin.toml; default the
directory of spin.toml); a component without one is not built. Then every `source` must exist.
Native: `cargo build` of the native crate.
Cloudflare: `cargo build --target wasm32-unknown-unknown --release` of the Worker crate (rustup's
target, else Debian's rustc-web toolchain), then `wasm-bindgen` of the version in its Cargo.lock,
then the entry module build/worker/shim.mjs (wrangler.toml's `main`); nothing is downloaded.";

/// Arguments of `edgezero build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Which platform to build for.
    #[arg(long, value_enum)]
    pub adapter: Platform,
    /// Spin: build only this component of spin.toml (repeatable; default: every component).
    #[arg(long, value_name = "ID")]
    pub component: Vec<String>,
    /// Extra arguments passed to the build command (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// Runs `edgezero build`.
pub fn run(args: &BuildArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    args.adapter.build(&manifest, &args.component, &args.args)?;
    Ok(ExitCode::SUCCESS)
}
