//! A view counter: every `GET /counter` counts one view in the default key-value store and
//! reports the path of the previous request.
//!
//! The seed's counter read one JSON document, added one and wrote it back, so requests that
//! ran at the same time (Spin runs up to 16 per instance, and several instances) overwrote
//! each other and views were lost. Here both parts are atomic:
//!
//! - `views` is a counter ([`KvHandle::increment`](edgezero_core::store::kv::KvHandle)), kept
//!   as Spin keeps counters (8 little-endian bytes);
//! - `previous-request` is swapped with compare-and-swap
//!   ([`KvHandle::exchange`](edgezero_core::store::kv::KvHandle)): each request stores its own
//!   path and gets the one it replaced. (On Spin's SQLite store the very first requests, which
//!   find the key absent, may each see no previous request: Spin writes an absent key with an
//!   upsert. Every later swap is exact.)
//!
//! On Spin this needs `wasi:keyvalue`, which `edgezero-adapter-spin` imports by default.
//!
//! `GET /counter/live` follows the count as Server-Sent Events
//! ([`Sse`](edgezero_core::response::sse::Sse)): a `views` event with the count at once, one
//! more each time it changes (checked every 250 ms, with the platform's
//! [timer](edgezero_core::timer)), keep-alive comments while it does not, and an `end` event
//! after `seconds` (default 30, at most 300), so that the browser's `EventSource` can close
//! instead of reconnecting. `keep_alive_ms` sets the keep-alive interval (default 15000).
//! Where no timer is installed (a test dispatching the app by hand), the stream sends the
//! count and ends at once.
//!
//! ```js
//! const live = new EventSource("/counter/live");
//! live.addEventListener("views", (e) => (document.title = `${e.data} views`));
//! live.addEventListener("end", () => live.close());
//! ```

edgezero_core::app!("../../edgezero.toml", routes = crate::routes);

/// The routes added in Rust to the manifest's: `GET /counter/live`.
pub fn routes(router: edgezero_core::Router) -> edgezero_core::Router {
    router.get("/counter/live", handlers::live)
}

/// Request handlers named in `edgezero.toml`.
pub mod handlers {
    use std::time::Duration;

    use edgezero_core::extract::{Kv, Query};
    use edgezero_core::http::Uri;
    use edgezero_core::response::sse::{Event, KeepAlive, Sse};
    use edgezero_core::store::kv::KvError;
    use edgezero_core::{timer, EdgeError, Json};
    use futures_util::stream::{self, Stream};
    use serde::{Deserialize, Serialize};

    /// The counter of views.
    pub const VIEWS_KEY: &str = "views";
    /// The path of the latest request.
    pub const PREVIOUS_KEY: &str = "previous-request";

    /// The answer.
    #[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
    pub struct Data {
        /// Number of requests seen, this one included.
        pub views: i64,
        /// Path of the request before this one.
        pub previous_request: String,
    }

    /// How often `/counter/live` reads the count.
    pub const LIVE_POLL: Duration = Duration::from_millis(250);

    /// `GET /counter/live` options.
    #[derive(Debug, Default, Deserialize)]
    pub struct LiveOptions {
        /// How long the stream lasts, in seconds (1 to 300, default 30).
        pub seconds: Option<u64>,
        /// The keep-alive interval, in milliseconds (100 to 60000, default 15000).
        pub keep_alive_ms: Option<u64>,
    }

    /// Where the live stream is.
    enum Live {
        Start,
        Watching { views: i64, polls_left: u64 },
        Done,
    }

    fn views_event(views: i64) -> Event {
        Event::default()
            .event("views")
            .id(views.to_string())
            .data(views.to_string())
    }

    /// `GET /counter/live`: the count as Server-Sent Events (see the crate docs).
    pub async fn live(
        Kv(kv): Kv,
        Query(options): Query<LiveOptions>,
    ) -> Sse<impl Stream<Item = Result<Event, KvError>>> {
        let seconds = options.seconds.unwrap_or(30).clamp(1, 300);
        let keep_alive = options.keep_alive_ms.unwrap_or(15_000).clamp(100, 60_000);
        let polls = seconds * 1000 / LIVE_POLL.as_millis() as u64;
        let events = stream::unfold(Live::Start, move |live| {
            let kv = kv.clone();
            async move {
                let (views, mut polls_left) = match live {
                    Live::Done => return None,
                    Live::Start => {
                        return Some(match kv.counter(VIEWS_KEY).await {
                            Ok(views) => (
                                Ok(views_event(views).retry(Duration::from_secs(2))),
                                Live::Watching {
                                    views,
                                    polls_left: polls,
                                },
                            ),
                            Err(e) => (Err(e), Live::Done),
                        });
                    }
                    Live::Watching { views, polls_left } => (views, polls_left),
                };
                while polls_left > 0 {
                    let Some(pause) = timer::sleep(LIVE_POLL) else {
                        break;
                    };
                    pause.await;
                    polls_left -= 1;
                    match kv.counter(VIEWS_KEY).await {
                        Ok(now) if now != views => {
                            let next = Live::Watching {
                                views: now,
                                polls_left,
                            };
                            return Some((Ok(views_event(now)), next));
                        }
                        Ok(_) => {}
                        Err(e) => return Some((Err(e), Live::Done)),
                    }
                }
                let end = Event::default().event("end").data(views.to_string());
                Some((Ok(end), Live::Done))
            }
        });
        Sse::new(events).keep_alive(
            KeepAlive::new()
                .interval(Duration::from_millis(keep_alive))
                .text("keep-alive"),
        )
    }

    /// `GET /counter`
    pub async fn counter(Kv(kv): Kv, uri: Uri) -> Result<Json<Data>, EdgeError> {
        let views = kv.increment(VIEWS_KEY, 1).await?;
        let previous = kv.exchange(PREVIOUS_KEY, uri.path().to_string()).await?;
        Ok(Json(Data {
            views,
            previous_request: previous
                .map(|p| String::from_utf8_lossy(&p).into_owned())
                .unwrap_or_default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use edgezero_testkit::TestApp;

    #[test]
    fn counts_views_and_remembers_the_previous_path() {
        let app = TestApp::for_app::<crate::App>(&|_| None);
        let first = app.get("/counter?x=1").json();
        assert_eq!(
            first,
            serde_json::json!({"views": 1, "previous_request": ""})
        );
        let second = app.get("/counter").json();
        assert_eq!(
            second,
            serde_json::json!({"views": 2, "previous_request": "/counter"})
        );
    }

    #[test]
    fn live_sends_the_count_as_server_sent_events() {
        let app = TestApp::for_app::<crate::App>(&|_| None);
        app.get("/counter");
        let live = app.get("/counter/live?seconds=1");
        assert_eq!(live.status(), 200);
        assert_eq!(live.header("content-type"), Some("text/event-stream"));
        assert_eq!(live.header("cache-control"), Some("no-cache"));
        // No timer is installed here, so the stream ends after the count.
        assert_eq!(
            live.text(),
            "event: views\nid: 1\nretry: 2000\ndata: 1\n\nevent: end\ndata: 1\n\n"
        );
    }
}
