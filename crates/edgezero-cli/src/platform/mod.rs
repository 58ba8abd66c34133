//! The platforms the CLI targets, and the one seam each of them fills.
//!
//! [`Platform`] is an enum with one module per platform ([`native`], [`spin`]); each command
//! in `commands/` calls a method here, and each method is one `match` that hands the work to
//! the platform's module. An enum rather than a trait, because the set is closed and listed
//! explicitly (it is also `--adapter`'s value list): adding a variant makes the compiler
//! point at every method below that must learn it, and nothing else in the CLI names a
//! platform. A trait would add object-safety and a registry for two implementations, and the
//! plans the platforms return ([`ServePlan`], [`PushTarget`]) are plain data either way.
//!
//! What a platform provides: `build`, `serve` (as a [`ServePlan`]: what to build, which
//! runtime, which flags, resolved once and then run), `deploy`, `provision`, the destination
//! of a `config push`, and its checks for `config validate`.

pub mod cloudflare;
pub mod fastly;
pub mod native;
pub mod serve;
pub mod spin;
pub mod toolchain;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ValueEnum;
use edgezero_manifest::Manifest;
use edgezero_spin_manifest::redact_url;

use crate::app_config_scan::SecretEntry;
use crate::report::Report;
use serve::ServeArgs;
pub use serve::ServePlan;

/// The platforms the CLI can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Platform {
    /// Fermyon Spin (a wasm32-wasip2 component).
    Spin,
    /// A native HTTP server.
    Native,
    /// Cloudflare Workers (a workers-rs Worker, run locally under workerd).
    Cloudflare,
    /// Fastly Compute (a wasm32-wasip1 app, run locally under Viceroy).
    Fastly,
}

impl Platform {
    /// Every platform, in the order `edgezero new` writes their stanzas and `config validate`
    /// checks them.
    pub const ALL: [Platform; 4] = [
        Platform::Native,
        Platform::Spin,
        Platform::Cloudflare,
        Platform::Fastly,
    ];

    /// The platform's name in `edgezero.toml` (`[adapters.<name>]`) and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Spin => "spin",
            Platform::Native => "native",
            Platform::Cloudflare => "cloudflare",
            Platform::Fastly => "fastly",
        }
    }

    /// What `edgezero new` writes for this platform.
    pub fn templates(self) -> &'static Templates {
        match self {
            Platform::Spin => &spin::TEMPLATES,
            Platform::Native => &native::TEMPLATES,
            Platform::Cloudflare => &cloudflare::TEMPLATES,
            Platform::Fastly => &fastly::TEMPLATES,
        }
    }

    /// `edgezero build`: `components` selects parts of the app (Spin components), `extra`
    /// goes to the build command.
    pub fn build(self, manifest: &Manifest, components: &[String], extra: &[String]) -> Result<()> {
        match self {
            Platform::Spin => spin::build::run(manifest, components, extra),
            Platform::Native => native::build(manifest, components, extra),
            Platform::Cloudflare => cloudflare::build::run(manifest, components, extra),
            Platform::Fastly => fastly::build::run(manifest, components, extra),
        }
    }

    /// `edgezero serve`: everything the run needs, resolved and checked before anything runs.
    pub fn serve_plan(self, manifest: &Manifest, args: &ServeArgs) -> Result<ServePlan> {
        match self {
            Platform::Spin => spin::serve::plan(manifest, args),
            Platform::Native => native::serve_plan(manifest, args),
            Platform::Cloudflare => cloudflare::serve::plan(manifest, args),
            Platform::Fastly => fastly::serve::plan(manifest, args),
        }
    }

    /// `edgezero deploy` without a `[adapters.<name>.commands].deploy` override.
    pub fn deploy(self, manifest: &Manifest, extra: &[String]) -> Result<()> {
        match self {
            Platform::Spin => spin::deploy::run(manifest, extra),
            Platform::Native => native::deploy(),
            Platform::Cloudflare => cloudflare::deploy(manifest, extra),
            Platform::Fastly => fastly::deploy(manifest, extra),
        }
    }

    /// Before `edgezero deploy` (either command): refuses a built app the target cannot run.
    pub fn check_deploy(self, manifest: &Manifest) -> Result<()> {
        match self {
            Platform::Spin => spin::deploy::check(manifest),
            Platform::Native | Platform::Cloudflare | Platform::Fastly => Ok(()),
        }
    }

    /// `edgezero provision`: grant the app's stores in the platform's own manifest.
    pub fn provision(
        self,
        manifest: &Manifest,
        dry_run: bool,
        runtime_config: Option<&Path>,
    ) -> Result<()> {
        match self {
            Platform::Spin => spin::provision::run(manifest, dry_run, runtime_config),
            Platform::Native => {
                native::provision();
                Ok(())
            }
            Platform::Cloudflare => {
                let _ = runtime_config;
                cloudflare::provision::run(manifest, dry_run)
            }
            Platform::Fastly => {
                let _ = runtime_config;
                fastly::provision::run(manifest, dry_run)
            }
        }
    }

    /// `edgezero config push`: the label config id `id` opens, and where its entries go.
    pub fn push_target(
        self,
        manifest: &Manifest,
        id: &str,
        local: bool,
        runtime_config: Option<&Path>,
    ) -> Result<(String, PushTarget)> {
        match self {
            Platform::Spin => spin::push::target(manifest, id, local, runtime_config),
            Platform::Native => Ok(native::push_target(manifest, id)),
            Platform::Cloudflare => {
                let _ = runtime_config;
                let (binding, wrangler) = cloudflare::push::target(manifest, id)?;
                let target = if local {
                    PushTarget::WorkersLocal {
                        binding: binding.clone(),
                    }
                } else {
                    PushTarget::Workers {
                        binding: binding.clone(),
                        wrangler,
                    }
                };
                Ok((binding, target))
            }
            Platform::Fastly => {
                let _ = runtime_config;
                let name = fastly::push::target(manifest, id);
                let target = if local {
                    PushTarget::FastlyLocal {
                        store: name.clone(),
                    }
                } else {
                    PushTarget::Fastly {
                        store: name.clone(),
                    }
                };
                Ok((name, target))
            }
        }
    }

    /// `edgezero config validate`: the platform's checks, for an app that has an
    /// `[adapters.<name>]` section.
    pub fn validate(
        self,
        manifest: &Manifest,
        strict: bool,
        runtime_config: Option<&Path>,
        secrets: &[SecretEntry],
        report: &mut Report,
    ) {
        match self {
            Platform::Spin => {
                spin::validate::check(manifest, strict, runtime_config, secrets, report)
            }
            Platform::Native => native::validate(manifest, report),
            Platform::Cloudflare => {
                let _ = (strict, runtime_config, secrets);
                cloudflare::validate::check(manifest, report)
            }
            Platform::Fastly => {
                let _ = (runtime_config, secrets);
                fastly::validate::check(manifest, strict, report)
            }
        }
    }
}

/// A platform's part of a new project (`edgezero new`). The texts are filled with the
/// project's values (`{{name}}`, `{{crate}}`, `{{dep_<platform>}}`, `{{crate_<platform>}}`, ...).
#[derive(Debug)]
pub struct Templates {
    /// Whether the adapter crate is a member of the project's workspace (a wasm component is
    /// built on its own, for its own target).
    pub workspace_member: bool,
    /// Its `[adapters.<name>]` stanza in edgezero.toml.
    pub stanza: &'static str,
    /// The adapter crate's files, relative to `crates/<app>-adapter-<name>/`.
    pub files: &'static [(&'static str, &'static str)],
}

/// Where a `config push` (or a value kept off a command line) is written.
#[derive(Debug, PartialEq, Eq)]
pub enum PushTarget {
    /// A SQLite file in Spin's format.
    Sqlite(PathBuf),
    /// Fermyon Cloud via `spin cloud key-value set`.
    Cloud {
        /// `[application].name`
        app: String,
    },
    /// A Redis server.
    Redis(String),
    /// A Workers KV namespace in the app's local state (what `serve --adapter cloudflare`
    /// reads).
    WorkersLocal {
        /// The binding.
        binding: String,
    },
    /// A Fastly Config Store in the app's local state (what `serve --adapter fastly` reads).
    FastlyLocal {
        /// The store's name.
        store: String,
    },
    /// A Fastly Config Store, written with the Fastly CLI.
    Fastly {
        /// The store's name.
        store: String,
    },
    /// A Workers KV namespace on Cloudflare, written with wrangler.
    Workers {
        /// The binding.
        binding: String,
        /// The wrangler.toml that binds it.
        wrangler: PathBuf,
    },
}

impl PushTarget {
    /// The destination, for messages (a Redis password is redacted).
    pub fn describe(&self) -> String {
        match self {
            PushTarget::Sqlite(p) => format!("SQLite file {}", p.display()),
            PushTarget::Cloud { app } => format!("Fermyon Cloud app `{app}`"),
            PushTarget::Redis(url) => format!("Redis at {}", redact_url(url)),
            PushTarget::WorkersLocal { binding } => {
                format!("the local Workers KV namespace `{binding}`")
            }
            PushTarget::Workers { binding, .. } => {
                format!("the Workers KV namespace bound as `{binding}` (wrangler)")
            }
            PushTarget::FastlyLocal { store } => {
                format!("the local Fastly Config Store `{store}`")
            }
            PushTarget::Fastly { store } => fastly::push::describe_remote(store),
        }
    }

    /// Whether writing here needs the user's confirmation (it is not a local file).
    pub fn is_remote(&self) -> bool {
        !matches!(
            self,
            PushTarget::Sqlite(_)
                | PushTarget::WorkersLocal { .. }
                | PushTarget::FastlyLocal { .. }
        )
    }
}
