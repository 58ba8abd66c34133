//! A minimal `log` backend writing to stderr, which Spin captures per component.

use edgezero_core::env::resolve_log_level;
use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("[{} {}] {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: Stderr = Stderr;

/// Installs the stderr logger at `EDGEZERO__LOGGING__LEVEL` (default `info`). An invalid
/// level is reported and `info` is used. Does nothing if a logger is already installed.
pub fn init(lookup: &dyn Fn(&str) -> Option<String>) -> LevelFilter {
    let (level, problem) = match resolve_log_level(lookup) {
        Ok(level) => (level, None),
        Err(msg) => (LevelFilter::Info, Some(msg)),
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
    if let Some(msg) = problem {
        log::warn!("{msg}; using `info`");
    }
    level
}

#[cfg(test)]
mod tests {
    #[test]
    fn invalid_level_falls_back_to_info() {
        let lookup = |k: &str| (k == "EDGEZERO__LOGGING__LEVEL").then(|| "loud".to_string());
        assert_eq!(super::init(&lookup), log::LevelFilter::Info);
        let lookup = |k: &str| (k == "EDGEZERO__LOGGING__LEVEL").then(|| "debug".to_string());
        assert_eq!(super::init(&lookup), log::LevelFilter::Debug);
    }
}
