//! Spin: manifest discovery, runtime config, provisioning, config push, toolchain.

pub mod build;
pub mod discovery;
pub mod provision;
pub mod push_cloud;
pub mod push_redis;
pub mod push_sqlite;
pub mod runtime_config;
pub mod toolchain;

/// Spin's always-available key-value label.
pub const DEFAULT_LABEL: &str = "default";

/// Spin's local key-value file, relative to the directory of `spin.toml`.
pub const LOCAL_KV_FILE: &str = ".spin/sqlite_key_value.db";
