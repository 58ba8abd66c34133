//! Server-Sent Events: a response that streams [`Event`]s as `text/event-stream`, with
//! optional [`KeepAlive`] comments.
//!
//! [`Sse`] wraps a stream of `Result<Event, E>` and is returned by a handler like any
//! response. Each event is written as soon as the stream yields it, on every adapter (the
//! body is never collected first). The response has `content-type: text/event-stream` and
//! `cache-control: no-cache`.
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::Duration;
//!
//! use edgezero_core::response::sse::{Event, KeepAlive, Sse};
//! use futures_util::stream::{self, Stream, StreamExt};
//!
//! async fn news() -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
//!     let events = stream::iter(1..=3).map(|n| {
//!         Ok(Event::default()
//!             .event("headline")
//!             .id(n.to_string())
//!             .data(format!("story {n}\nsecond line")))
//!     });
//!     Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
//! }
//!
//! let event = Event::default().event("headline").id("1").data("story 1\nsecond line");
//! assert_eq!(
//!     event.to_bytes().unwrap(),
//!     "event: headline\nid: 1\ndata: story 1\ndata: second line\n\n"
//! );
//! # let _ = news;
//! ```
//!
//! **Encoding.** Data may hold any text: each line (ended by LF, CR or CRLF) becomes its own
//! `data:` line, which clients join with LF. A comment is split into `:` lines the same way.
//! An event name or id cannot hold a line break (nor an id a NUL): it would end the field
//! and let the rest pass for other fields. Such an event is refused when it is sent: the
//! stream ends there with an [`InvalidEvent`] error (logged), never sending the event.
//!
//! **Errors.** An `Err` item from the stream ends the response with that error: the error
//! is logged, and the adapter cuts the connection, which a browser's `EventSource` takes as
//! a reason to reconnect. To end the stream cleanly, end the stream.
//!
//! **Keep-alive.** With [`Sse::keep_alive`], a comment line is sent whenever the stream has
//! produced nothing for the interval, so proxies and clients do not take a quiet stream for
//! a dead one. It needs the platform's timer ([`crate::timer`]), which the native and Spin
//! adapters install; where no timer is installed, keep-alive is inactive (no comment is
//! sent) and the events flow as usual.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::stream::{Stream, StreamExt};
use http::{header, HeaderValue};

use crate::body::{Body, BoxError};
use crate::response::{IntoResponse, Response};
use crate::timer::{Sleep, Timer};

/// One Server-Sent Event: data, an event name, an id, a retry delay and a comment, each
/// optional. Built with [`Event::default`] and the builder methods, which never panic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    comment: Option<String>,
    event: Option<String>,
    id: Option<String>,
    retry: Option<Duration>,
    data: Option<String>,
    invalid: Option<InvalidEvent>,
}

/// An event that cannot be encoded, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid server-sent event: {reason}")]
pub struct InvalidEvent {
    reason: &'static str,
}

impl Event {
    /// An event with nothing set (same as [`Event::default`]).
    pub fn new() -> Self {
        Event::default()
    }

    /// The event's data (replacing any set before). Any text: each line becomes a `data:`
    /// line. Clients deliver an event only when it has data.
    pub fn data(mut self, data: impl Into<String>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// The event's data as JSON (one line: JSON text holds no raw line break).
    pub fn json_data<T: serde::Serialize>(self, data: &T) -> Result<Self, serde_json::Error> {
        Ok(self.data(serde_json::to_string(data)?))
    }

    /// The event name (`event:`), which picks the client's listener (`message` when unset).
    /// A name holding CR or LF makes the event invalid.
    pub fn event(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        if name.contains(['\r', '\n']) {
            self.refuse("the event name contains a line break (CR or LF)");
        }
        self.event = Some(name);
        self
    }

    /// The event id (`id:`), which the client sends back as `Last-Event-ID` when it
    /// reconnects. An id holding CR, LF or NUL makes the event invalid.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if id.contains(['\r', '\n', '\0']) {
            self.refuse("the id contains a line break (CR or LF) or a NUL");
        }
        self.id = Some(id);
        self
    }

    /// How long the client waits before reconnecting (`retry:`, in milliseconds).
    pub fn retry(mut self, delay: Duration) -> Self {
        self.retry = Some(delay);
        self
    }

    /// A comment (`:` lines), which clients ignore; each line becomes its own comment line.
    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.comment = Some(text.into());
        self
    }

    fn refuse(&mut self, reason: &'static str) {
        self.invalid.get_or_insert(InvalidEvent { reason });
    }

    /// The event as it goes on the wire, ended by its blank line; an [`InvalidEvent`] when a
    /// field cannot be sent.
    pub fn to_bytes(&self) -> Result<Bytes, InvalidEvent> {
        if let Some(invalid) = &self.invalid {
            return Err(invalid.clone());
        }
        let mut out = BytesMut::new();
        if let Some(comment) = &self.comment {
            for line in lines(comment) {
                field(&mut out, "", line);
            }
        }
        if let Some(name) = &self.event {
            field(&mut out, "event", name);
        }
        if let Some(id) = &self.id {
            field(&mut out, "id", id);
        }
        if let Some(retry) = self.retry {
            field(&mut out, "retry", &retry.as_millis().to_string());
        }
        if let Some(data) = &self.data {
            for line in lines(data) {
                field(&mut out, "data", line);
            }
        }
        out.put_u8(b'\n');
        Ok(out.freeze())
    }
}

/// `name: value\n` (the space keeps a value that starts with a space intact).
fn field(out: &mut BytesMut, name: &str, value: &str) {
    out.put_slice(name.as_bytes());
    out.put_slice(b": ");
    out.put_slice(value.as_bytes());
    out.put_u8(b'\n');
}

/// The lines of `text`, each ended by LF, CR or CRLF (as the event-stream format reads them);
/// text ending with a line break has an empty last line.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\r', '\n']) {
            Some(at) => {
                let skip = if current[at..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[at + skip..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Comments sent while an [`Sse`] stream is quiet. Default: every 15 seconds, an empty
/// comment (`:` and a blank line). Inactive where no [timer](crate::timer) is installed.
#[derive(Debug, Clone)]
pub struct KeepAlive {
    interval: Duration,
    comment: Bytes,
    timer: Option<Timer>,
}

impl Default for KeepAlive {
    fn default() -> Self {
        KeepAlive::new()
    }
}

impl KeepAlive {
    /// The shortest interval: a shorter one is raised to it.
    pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

    /// Every 15 seconds, an empty comment.
    pub fn new() -> Self {
        KeepAlive {
            interval: Duration::from_secs(15),
            comment: Bytes::from_static(b":\n\n"),
            timer: None,
        }
    }

    /// How long the stream may stay quiet before a comment is sent (at least
    /// [`KeepAlive::MIN_INTERVAL`]).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Self::MIN_INTERVAL);
        self
    }

    /// The comment's text (each line its own comment line).
    pub fn text(mut self, text: impl AsRef<str>) -> Self {
        let mut out = BytesMut::new();
        for line in lines(text.as_ref()) {
            field(&mut out, "", line);
        }
        out.put_u8(b'\n');
        self.comment = out.freeze();
        self
    }

    /// Uses `timer` instead of the installed one (tests).
    #[cfg(test)]
    pub(crate) fn with_timer(mut self, timer: Timer) -> Self {
        self.timer = Some(timer);
        self
    }
}

/// A Server-Sent Events response over a stream of `Result<Event, E>`; see the
/// [module docs](self).
#[must_use]
pub struct Sse<S> {
    events: S,
    keep_alive: Option<KeepAlive>,
}

impl<S> Sse<S> {
    /// Streams `events`, without keep-alive comments.
    pub fn new(events: S) -> Self {
        Sse {
            events,
            keep_alive: None,
        }
    }

    /// Sends keep-alive comments while the stream is quiet.
    pub fn keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.keep_alive = Some(keep_alive);
        self
    }
}

impl<S> std::fmt::Debug for Sse<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sse")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl<S, E> IntoResponse for Sse<S>
where
    S: Stream<Item = Result<Event, E>> + 'static,
    E: Into<BoxError>,
{
    fn into_response(self) -> Response {
        let body = EventStream {
            events: Box::pin(self.events.map(|item| item.map_err(Into::into))),
            keep_alive: self.keep_alive.map(|k| Quiet {
                timer: k.timer.unwrap_or(crate::timer::sleep),
                interval: k.interval,
                comment: k.comment,
                sleep: None,
            }),
            done: false,
        };
        let mut resp = http::Response::new(Body::from_stream(body));
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        resp
    }
}

type Events = Pin<Box<dyn Stream<Item = Result<Event, BoxError>>>>;

/// The body of an [`Sse`] response: encoded events, and comments while the stream is quiet.
struct EventStream {
    events: Events,
    keep_alive: Option<Quiet>,
    done: bool,
}

/// The keep-alive state: the timer running since the last thing sent.
struct Quiet {
    timer: Timer,
    interval: Duration,
    comment: Bytes,
    sleep: Option<Sleep>,
}

impl Quiet {
    /// A comment once the interval has passed; `None` when no timer could be made.
    fn poll_comment(&mut self, cx: &mut Context<'_>) -> Option<Poll<Bytes>> {
        let sleep = match &mut self.sleep {
            Some(sleep) => sleep,
            None => self.sleep.insert((self.timer)(self.interval)?),
        };
        Some(match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.sleep = None;
                Poll::Ready(self.comment.clone())
            }
            Poll::Pending => Poll::Pending,
        })
    }
}

impl Stream for EventStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.events.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(event))) => {
                if let Some(quiet) = &mut this.keep_alive {
                    quiet.sleep = None;
                }
                match event.to_bytes() {
                    Ok(bytes) => Poll::Ready(Some(Ok(bytes))),
                    Err(invalid) => this.fail(Box::new(invalid)),
                }
            }
            Poll::Ready(Some(Err(e))) => this.fail(e),
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                let Some(quiet) = &mut this.keep_alive else {
                    return Poll::Pending;
                };
                match quiet.poll_comment(cx) {
                    Some(Poll::Ready(comment)) => Poll::Ready(Some(Ok(comment))),
                    Some(Poll::Pending) => Poll::Pending,
                    None => {
                        log::debug!("SSE keep-alive is inactive: no timer is installed");
                        this.keep_alive = None;
                        Poll::Pending
                    }
                }
            }
        }
    }
}

impl EventStream {
    fn fail(&mut self, error: BoxError) -> Poll<Option<Result<Bytes, BoxError>>> {
        log::error!("the event stream failed: {error}");
        self.done = true;
        Poll::Ready(Some(Err(error)))
    }
}

#[cfg(test)]
mod tests;
