//! # Spin's app files and rules, in one place
//!
//! `spin.toml` (manifest version 2) and `runtime-config.toml`, parsed and checked as strictly
//! as `spin up` checks them, with errors that name the file, the line and column, and the
//! key. The `edgezero` CLI (`config validate`, `provision`, `config push`, `build`, `serve`)
//! and the embedded Spin host (`edgezero-spin-host`) both read Spin files through this
//! crate, so they accept and reject exactly the same files, and agree on every rule:
//!
//! | rule | owner |
//! |---|---|
//! | component ids, store labels (kebab-case / snake_case words) | [`ids`] |
//! | variable names (`^[a-z](_?[a-z0-9])*$`) | [`ids::is_spin_variable_name`] (from `edgezero-spin-names`) |
//! | `{{ name }}` templates and `SPIN_VARIABLE_<NAME>` values | [`variables`] |
//! | HTTP routes and `spin-*` headers | [`routes`] |
//! | `allowed_outbound_hosts` grammar and matching | [`outbound`] |
//! | which label a logical store opens | [`ComponentSpec::store_label`] (the component's `environment`) |
//! | label backends, default file, stanza text | [`runtime_config`], [`LOCAL_KV_FILE`] |
//! | `spin up`'s `--key-value`, `--env`, `--variable`, `.env` | [`up_options`] |
//!
//! It has no WebAssembly runtime in it: the CLI builds without wasmtime.
//!
//! ```
//! use std::path::Path;
//! use edgezero_env::StoreKind;
//! use edgezero_spin_manifest::Manifest;
//!
//! let m = Manifest::parse(Path::new("/app/spin.toml"), r#"
//! spin_manifest_version = 2
//! [application]
//! name = "demo"
//! [[trigger.http]]
//! route = "/..."
//! component = "demo"
//! [component.demo]
//! source = "demo.wasm"
//! key_value_stores = ["default"]
//! environment = { EDGEZERO__STORES__KV__CACHE__NAME = "default" }
//! "#).unwrap();
//! assert_eq!(m.components["demo"].store_label(StoreKind::Kv, "cache"), "default");
//! ```

#![warn(missing_docs)]

mod diag;
pub mod ids;
mod manifest;
pub mod outbound;
pub mod routes;
pub mod runtime_config;
pub mod up_options;
pub mod variables;

pub use diag::LoadError;
pub use manifest::{BuildSpec, ComponentSpec, Manifest};
pub use routes::{Route, RouteMatch, Router};
pub use runtime_config::{
    default_kv_file, redact_url, stanza_for, RuntimeConfig, StoreConfig, LOCAL_KV_FILE,
};
pub use variables::{AppVariable, Template};

/// Spin's always-present key-value label.
pub const DEFAULT_LABEL: &str = "default";
