//! Spin: manifest discovery, runtime config, provisioning, config push, toolchain.

pub mod build;
pub mod discovery;
pub mod provision;
pub mod push_cloud;
pub mod push_redis;
pub mod push_sqlite;
pub mod toolchain;

pub use edgezero_spin_manifest::DEFAULT_LABEL;
