//! A minimal stderr logger for [`crate::run`]: one line per record, level from `RUST_LOG`
//! (`error`, `warn`, `info` — the default — `debug`, `trace`). Libraries embedding the host
//! install their own logger instead.

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{:<5} {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

fn level(value: Option<&str>) -> LevelFilter {
    value
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(LevelFilter::Info)
}

/// Installs the logger unless the process already has one.
pub fn init() {
    static LOGGER: Stderr = Stderr;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level(std::env::var("RUST_LOG").ok().as_deref()));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn levels() {
        assert_eq!(super::level(None), log::LevelFilter::Info);
        assert_eq!(super::level(Some("warn")), log::LevelFilter::Warn);
        assert_eq!(super::level(Some("nonsense")), log::LevelFilter::Info);
    }
}
