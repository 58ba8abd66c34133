//! `edgezero serve`: run the app locally.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::project::load_manifest;

pub const EXAMPLES: &str = "Examples:
  edgezero serve --adapter native
  edgezero serve --adapter native --manifest examples/url-shortener/edgezero.toml --listen 127.0.0.1:8080
  edgezero serve --adapter spin --runtime-config runtime-config.toml
  edgezero serve --adapter spin --key-value kv-credentials=@credentials.txt --variable api_token=@token.txt
  pass show kv-explorer | edgezero serve --adapter spin --key-value kv-credentials=-
  edgezero serve --adapter cloudflare --manifest examples/counter/edgezero.toml

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
Cloudflare: builds the Worker as `edgezero build --adapter cloudflare` does (skip with
--no-build), then runs it under workerd through miniflare (installed with npm on first use into
.edgezero/cloudflare, or EDGEZERO_MINIFLARE_DIR), on 127.0.0.1:8787 by default, with the
bindings of wrangler.toml, secrets from .dev.vars next to it or --variable NAME=VALUE, and its
stores persisted in .edgezero/cloudflare/state (or --state-dir).
Secrets: a command line is visible in `ps` while it runs, so pass a secret as
--key-value KEY=@FILE (the value is FILE's contents) or KEY=- (standard input; one per command),
without one trailing newline; KEY=@@... is a value that starts with `@`. Such a value never
reaches a command line: the embedded host writes it itself, and for `spin up` edgezero writes it
into the `default` store (its SQLite file or Redis) before starting it.
[adapters.<name>.commands].serve in edgezero.toml replaces the built-in command and runs as
written: `spin up`'s options (--key-value, --env, --variable, --state-dir) are refused with it,
since it would not get them; put them in that command.";

pub use crate::platform::serve::ServeArgs;

/// Runs `edgezero serve`: the platform resolves the whole plan (what to build, which
/// runtime, which flags), then it runs.
pub fn run(args: &ServeArgs, manifest: Option<&Path>) -> Result<ExitCode> {
    let manifest = load_manifest(manifest)?;
    args.adapter.serve_plan(&manifest, args)?.run(&manifest)
}
