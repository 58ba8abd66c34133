//! A small stderr logger, levelled by `EDGEZERO__LOGGING__LEVEL`. A line written while a
//! request runs behind [`RequestIds`](edgezero_core::middleware::RequestIds) names its id.

use log::{LevelFilter, Log, Metadata, Record};

struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            eprintln!("{}", format_line(record));
        }
    }

    fn flush(&self) {}
}

fn format_line(record: &Record) -> String {
    match edgezero_core::middleware::current_request_id() {
        Some(id) => format!("{:>5} request={id} {}", record.level(), record.args()),
        None => format!("{:>5} {}", record.level(), record.args()),
    }
}

static LOGGER: StderrLogger = StderrLogger;

/// Installs the logger (once; later calls only change the level).
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

#[cfg(test)]
mod tests {
    use edgezero_core::middleware::RequestIds;
    use edgezero_core::{Body, Router, Stores};

    fn line() -> String {
        super::format_line(
            &log::Record::builder()
                .level(log::Level::Warn)
                .args(format_args!("slow"))
                .build(),
        )
    }

    #[test]
    fn a_line_names_the_request_it_was_written_for() {
        assert_eq!(line(), " WARN slow");
        let router = Router::new()
            .get("/", || async { line() })
            .layer(RequestIds::new());
        let request = http::Request::builder()
            .uri("/")
            .header("x-request-id", "r-7")
            .body(Body::Empty)
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let body = rt.block_on(async {
            let resp = router.handle(request, Stores::none()).await;
            resp.into_body().collect(1024).await.unwrap()
        });
        assert_eq!(&body[..], b" WARN request=r-7 slow");
        assert_eq!(line(), " WARN slow");
    }
}
