//! Platform helpers used by the commands. Platforms are listed explicitly.

pub mod spin;
