//! A minimal `log` backend writing to stderr, for the platforms that capture a component's
//! stderr (Spin per component, Fastly Compute as the app's log; the native server and
//! Cloudflare have their own).
//!
//! Each record is formatted into one buffer and written with one call: `eprintln!` writes
//! its pieces separately, and Spin runs up to 16 requests of an instance (and several
//! instances) at once, so pieces of concurrent lines would interleave on the host's stderr.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::env::resolve_log_level;
use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format_line(record);
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    fn flush(&self) {}
}

/// One whole log line, newline included; newlines inside the message are escaped so that a
/// record is always exactly one line.
fn format_line(record: &Record<'_>) -> String {
    let mut message = String::new();
    let _ = write!(message, "{}", record.args());
    let mut line = String::with_capacity(message.len() + 48);
    let _ = write!(line, "[{} {}", record.level(), record.target());
    if let Some(id) = crate::middleware::current_request_id() {
        let _ = write!(line, " request={id}");
    }
    line.push_str("] ");
    for c in message.chars() {
        match c {
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            c => line.push(c),
        }
    }
    line.push('\n');
    line
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
    fn a_record_is_one_line() {
        let line = super::format_line(
            &log::Record::builder()
                .level(log::Level::Warn)
                .target("edgezero_core::error")
                .args(format_args!("bad\nrequest {}", 7))
                .build(),
        );
        assert_eq!(line, "[WARN edgezero_core::error] bad\\nrequest 7\n");
    }

    #[test]
    fn a_record_inside_a_request_names_its_id() {
        use crate::middleware::RequestIds;
        let router = crate::Router::new().get("/", || async {
            super::format_line(
                &log::Record::builder()
                    .level(log::Level::Info)
                    .target("app")
                    .args(format_args!("hello"))
                    .build(),
            )
        });
        let router = router.layer(RequestIds::new());
        let request = http::Request::builder()
            .uri("/")
            .header("x-request-id", "abc-1")
            .body(crate::Body::Empty)
            .unwrap();
        let resp = futures_executor::block_on(router.handle(request, crate::Stores::none()));
        let body = futures_executor::block_on(resp.into_body().collect(1024)).unwrap();
        assert_eq!(&body[..], b"[INFO app request=abc-1] hello\n");
    }

    #[test]
    fn invalid_level_falls_back_to_info() {
        let lookup = |k: &str| (k == "EDGEZERO__LOGGING__LEVEL").then(|| "loud".to_string());
        assert_eq!(super::init(&lookup), log::LevelFilter::Info);
        let lookup = |k: &str| (k == "EDGEZERO__LOGGING__LEVEL").then(|| "debug".to_string());
        assert_eq!(super::init(&lookup), log::LevelFilter::Debug);
    }
}
