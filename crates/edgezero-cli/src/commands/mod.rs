//! One module per subcommand.

pub mod build;
pub mod config;
mod config_push;
pub(crate) mod config_validate;
pub(crate) mod config_validate_secrets;
pub mod deploy;
pub mod new;
pub mod provision;
pub mod serve;
