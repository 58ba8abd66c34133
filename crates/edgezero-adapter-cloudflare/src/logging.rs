//! A `log` backend writing to the Worker's console (`wrangler tail`, or the local runtime's
//! output): errors with `console.error`, warnings with `console.warn`, the rest with
//! `console.log`, one line per record.

use edgezero_core::env::resolve_log_level;
use log::{Level, LevelFilter, Log, Metadata, Record};

struct Console;

impl Log for Console {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = match edgezero_core::middleware::current_request_id() {
            Some(id) => format!(
                "[{} {} request={id}] {}",
                record.level(),
                record.target(),
                record.args()
            ),
            None => format!("[{} {}] {}", record.level(), record.target(), record.args()),
        }
        .replace('\n', "\\n");
        match record.level() {
            Level::Error => worker::console_error!("{line}"),
            Level::Warn => worker::console_warn!("{line}"),
            _ => worker::console_log!("{line}"),
        }
    }

    fn flush(&self) {}
}

static LOGGER: Console = Console;

/// Installs the console logger at `EDGEZERO__LOGGING__LEVEL` (default `info`; an invalid
/// level is reported and `info` used).
pub fn init(lookup: &dyn Fn(&str) -> Option<String>) {
    let (level, problem) = match resolve_log_level(lookup) {
        Ok(level) => (level, None),
        Err(msg) => (LevelFilter::Info, Some(msg)),
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
    if let Some(msg) = problem {
        log::warn!("{msg}; logging at info");
    }
}
