//! A minimal stderr logger for [`crate::run`]: one line per record. `RUST_LOG` sets the
//! level — `error`, `warn`, `info` (the default), `debug`, `trace` — optionally per target
//! prefix, e.g. `RUST_LOG=warn,spin_kv=trace` (every key-value call a component makes).
//! Libraries embedding the host install their own logger instead.

use std::sync::OnceLock;

use log::{LevelFilter, Log, Metadata, Record};

#[derive(Debug, PartialEq, Eq)]
struct Filter {
    default: LevelFilter,
    targets: Vec<(String, LevelFilter)>,
}

impl Filter {
    fn parse(spec: Option<&str>) -> Filter {
        let mut filter = Filter {
            default: LevelFilter::Info,
            targets: Vec::new(),
        };
        for part in spec.unwrap_or("").split(',').map(str::trim) {
            match part.split_once('=') {
                Some((target, level)) => {
                    if let Ok(level) = level.trim().parse() {
                        filter.targets.push((target.trim().to_string(), level));
                    }
                }
                None => {
                    if let Ok(level) = part.parse() {
                        filter.default = level;
                    }
                }
            }
        }
        filter
    }

    fn level(&self, target: &str) -> LevelFilter {
        self.targets
            .iter()
            .filter(|(t, _)| target.starts_with(t.as_str()))
            .max_by_key(|(t, _)| t.len())
            .map_or(self.default, |(_, l)| *l)
    }

    fn max(&self) -> LevelFilter {
        self.targets
            .iter()
            .map(|(_, l)| *l)
            .fold(self.default, std::cmp::max)
    }
}

struct Stderr(OnceLock<Filter>);

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.0
            .get()
            .is_some_and(|f| metadata.level() <= f.level(metadata.target()))
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{:<5} {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger unless the process already has one.
pub fn init() {
    static LOGGER: Stderr = Stderr(OnceLock::new());
    let filter = LOGGER
        .0
        .get_or_init(|| Filter::parse(std::env::var("RUST_LOG").ok().as_deref()));
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(filter.max());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_targets() {
        assert_eq!(Filter::parse(None).level("x"), LevelFilter::Info);
        assert_eq!(Filter::parse(Some("warn")).level("x"), LevelFilter::Warn);
        assert_eq!(
            Filter::parse(Some("nonsense")).level("x"),
            LevelFilter::Info
        );
        let f = Filter::parse(Some("warn, spin_kv=trace"));
        assert_eq!(f.level("spin_kv"), LevelFilter::Trace);
        assert_eq!(f.level("cranelift_codegen"), LevelFilter::Warn);
        assert_eq!(f.max(), LevelFilter::Trace);
    }
}
