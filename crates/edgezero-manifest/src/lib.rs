//! # The `edgezero.toml` manifest
//!
//! One file describes an EdgeZero app: its name, the routes it declares, its stores, and how
//! each platform adapter builds, serves and deploys it. The `app!` macro reads it at compile
//! time; the `edgezero` CLI reads it at the command line; nothing reads it at runtime.
//!
//! ```toml
//! [app]
//! name = "my-app"
//! middleware = ["crate::middleware::request_log"]   # optional
//!
//! [[triggers.http]]
//! path = "/hello/{name}"
//! methods = ["GET"]                                  # default ["GET"]; "*": every method
//! handler = "crate::handlers::hello"
//!
//! [stores.kv]
//! ids = ["sessions", "cache"]
//! default = "sessions"                               # required with several ids
//!
//! [stores.config]
//! ids = ["app_config", "feature_flags"]
//! default = "app_config"
//! file = "config/app_config.toml"                     # entries of the default id
//! files = { feature_flags = "config/flags.toml" }      # entries of other ids
//!
//! [stores.secrets]
//! ids = ["default"]
//! names = ["api_token"]                              # the secrets the app reads
//!
//! [adapters.spin.adapter]
//! crate = "crates/my-app-adapter-spin"               # crate directory, relative to this file
//! manifest = "crates/my-app-adapter-spin/spin.toml"
//! component = "my-app"                               # only when spin.toml has several
//!
//! [adapters.spin.commands]                           # optional overrides
//! deploy = "spin cloud deploy --from crates/my-app-adapter-spin"
//!
//! [adapters.native.adapter]
//! crate = "crates/my-app-adapter-native"
//! host = "127.0.0.1"
//! port = 8787
//!
//! [environment]                                      # passed to `serve` as variables
//! EDGEZERO__LOGGING__LEVEL = "debug"
//! ```
//!
//! Unknown keys are errors. Every error names the file, the line and column, and the key:
//!
//! ```text
//! edgezero.toml:9:11: `stores.kv.default`: default `cache` is not one of the ids ["sessions"]
//! ```

#![warn(missing_docs)]

mod error;
mod raw;
mod routes;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::{ManifestError, TomlSource};

/// The adapters this version knows.
pub const ADAPTERS: &[&str] = &["spin", "native", "cloudflare", "fastly"];

/// The native server's SQLite file (its KV and config stores), relative to the app's root:
/// the directory of `edgezero.toml`, where `edgezero serve` runs the server. The server
/// uses it when `EDGEZERO__ADAPTER__KV_PATH` is unset, and `edgezero config push --adapter
/// native` writes it.
pub const NATIVE_KV_FILE: &str = ".edgezero/sqlite_key_value.db";

/// A parsed, validated `edgezero.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Where the file was read from.
    pub path: PathBuf,
    /// `[app]`
    pub app: AppSection,
    /// `[[triggers.http]]`
    pub http_triggers: Vec<HttpTrigger>,
    /// `[stores.*]`
    pub stores: StoresSection,
    /// `[adapters.<name>]`, by adapter name.
    pub adapters: BTreeMap<String, AdapterSection>,
    /// `[environment]`: variables passed to `serve`.
    pub environment: BTreeMap<String, String>,
}

/// `[app]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSection {
    /// The app name.
    pub name: String,
    /// Paths of middleware values or functions, outermost first.
    pub middleware: Vec<String>,
}

/// One `[[triggers.http]]` route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTrigger {
    /// Route pattern, e.g. `/kv/{key}`.
    pub path: String,
    /// Upper-case method names; `"*"` for every method (`Router::any`).
    pub methods: Vec<String>,
    /// Rust path of the handler function.
    pub handler: String,
}

/// `[stores.kv]`, `[stores.config]` or `[stores.secrets]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreSection {
    /// Logical ids (`[A-Za-z0-9_]+`, unique).
    pub ids: Vec<String>,
    /// The default id (`None` only when there are no ids).
    pub default: Option<String>,
    /// Config only: the entries file of the default id (`file = "..."`), which
    /// `edgezero config push` writes to that store.
    pub file: Option<String>,
    /// Config only: the entries file of each id, `file` included for the default id
    /// (`files = { feature_flags = "config/flags.toml" }`).
    pub files: BTreeMap<String, String>,
    /// Secrets only: the secret names the app reads, checked by `config validate --strict`.
    pub names: Vec<String>,
}

/// `[stores]`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoresSection {
    /// `[stores.kv]`
    pub kv: StoreSection,
    /// `[stores.config]`
    pub config: StoreSection,
    /// `[stores.secrets]`
    pub secrets: StoreSection,
}

/// `[adapters.<name>]`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdapterSection {
    /// `[adapters.<name>.adapter]`
    pub adapter: AdapterSettings,
    /// `[adapters.<name>.commands]`
    pub commands: AdapterCommands,
}

/// `[adapters.<name>.adapter]`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdapterSettings {
    /// Directory of the adapter crate, relative to the manifest.
    pub crate_dir: Option<String>,
    /// Platform manifest (e.g. `spin.toml`), relative to the manifest.
    pub manifest: Option<String>,
    /// Spin component id, needed when the platform manifest has several.
    pub component: Option<String>,
    /// Listen host for local serving.
    pub host: Option<String>,
    /// Listen port for local serving.
    pub port: Option<u16>,
}

/// `[adapters.<name>.commands]`: shell commands that replace the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdapterCommands {
    /// Replaces `edgezero build`.
    pub build: Option<String>,
    /// Replaces `edgezero serve`.
    pub serve: Option<String>,
    /// Replaces `edgezero deploy`.
    pub deploy: Option<String>,
}

impl StoreSection {
    /// The entries file of `id`, relative to the manifest: `files.<id>`, or `file` for the
    /// default id.
    pub fn file_for(&self, id: &str) -> Option<&str> {
        self.files.get(id).map(String::as_str)
    }
}

impl Manifest {
    /// Reads and validates a manifest file.
    pub fn load(path: impl AsRef<Path>) -> Result<Manifest, ManifestError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            key: None,
            message: format!("cannot read the manifest: {e}"),
        })?;
        Self::parse(path, &text)
    }

    /// Parses and validates manifest text; `path` is used in errors and to resolve paths.
    pub fn parse(path: impl AsRef<Path>, text: &str) -> Result<Manifest, ManifestError> {
        let source = error::TomlSource::new(path.as_ref(), text);
        let raw: raw::RawManifest = toml::from_str(text).map_err(|e| {
            let message = e
                .message()
                .trim()
                .replace('\n', " ")
                .replace("unknown field", "unknown key")
                .replace("missing field", "missing key");
            // The parser gives no text for some syntax errors (e.g. `key =` with no value).
            let message = if message.is_empty() {
                "invalid TOML syntax here: a value is missing or the text is cut short; \
                 write e.g. `name = \"my-app\"`"
                    .to_string()
            } else {
                message
            };
            source.error(e.span(), None, message)
        })?;
        validate::manifest(&source, raw)
    }

    /// The directory that holds the manifest; relative paths in it resolve from here.
    pub fn root(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    /// `[adapters.<name>]`, if declared.
    pub fn adapter(&self, name: &str) -> Option<&AdapterSection> {
        self.adapters.get(name)
    }

    /// Resolves a path from the manifest against [`Manifest::root`].
    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }
}
