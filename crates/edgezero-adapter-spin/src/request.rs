//! Spin request → core request.
//!
//! Spin hands the component an `http::Request` whose body implements `http_body::Body`
//! (`spin_sdk::http::Request`). The conversion keeps the method, the URI (path and query,
//! plus scheme and authority when Spin supplies them), every header including repeated ones
//! and Spin's own `spin-*` headers, and streams the body into [`Body::Stream`] without
//! buffering it: extractors read it, under the body limit, only when a handler asks.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use edgezero_core::body::BoxError;
use edgezero_core::{Body, Request};
use futures_util::Stream;
use http_body::Body as HttpBody;

/// Converts a request whose body is any `http_body::Body` into a core [`Request`].
///
/// A body that is known to be empty becomes [`Body::Empty`]; anything else is streamed.
/// Trailers are dropped. A body read error surfaces, with its message, to the extractor
/// that reads the body (HTTP 400).
pub fn into_core_request<B>(request: http::Request<B>) -> Request
where
    B: HttpBody<Data = Bytes> + 'static,
    B::Error: std::fmt::Display,
{
    into_core_request_with(request, |e: B::Error| e.to_string())
}

/// Like [`into_core_request`], describing body read errors with `describe`.
pub fn into_core_request_with<B, F>(request: http::Request<B>, describe: F) -> Request
where
    B: HttpBody<Data = Bytes> + 'static,
    F: Fn(B::Error) -> String + 'static,
{
    let (parts, body) = request.into_parts();
    let body = if body.is_end_stream() || body.size_hint().exact() == Some(0) {
        Body::Empty
    } else {
        stream_body(body, describe)
    };
    Request::from_parts(parts, body)
}

/// Why the host could not deliver the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyReadError {
    /// The client closed the connection or stopped sending.
    ClientStopped,
    /// The body was shorter or longer than its `Content-Length`.
    LengthMismatch,
    /// The host failed; its text is for the log, never for the client.
    Host(String),
}

/// The text the client gets (in a 400) for a body read error. A host's own error text is
/// logged, not returned: it describes the server, not the request.
pub fn describe_body_error(e: BodyReadError) -> String {
    match e {
        BodyReadError::ClientStopped => "the client stopped sending the request body".to_string(),
        BodyReadError::LengthMismatch => {
            "the request body does not match its Content-Length".to_string()
        }
        BodyReadError::Host(detail) => {
            if !detail.is_empty() {
                log::warn!("reading the request body failed in the host: {detail}");
            }
            "the request body could not be read".to_string()
        }
    }
}

/// Streams any `http_body::Body` (e.g. an outbound response from Spin) into a core
/// [`Body`]; read errors are described with `describe`.
pub fn into_core_body<B, F>(body: B, describe: F) -> Body
where
    B: HttpBody<Data = Bytes> + 'static,
    F: Fn(B::Error) -> String + 'static,
{
    if body.is_end_stream() || body.size_hint().exact() == Some(0) {
        Body::Empty
    } else {
        stream_body(body, describe)
    }
}

fn stream_body<B, F>(body: B, describe: F) -> Body
where
    B: HttpBody<Data = Bytes> + 'static,
    F: Fn(B::Error) -> String + 'static,
{
    // One allocation: the body is pinned inside the stream's own box. Built directly rather
    // than with `Body::from_stream`, whose error-mapping layer would add a second stream
    // adapter to every component.
    Body::Stream(Box::pin(DataFrames { body, describe }))
}

pin_project_lite::pin_project! {
    /// The data frames of an `http_body::Body`, as the chunks of a core [`Body`].
    struct DataFrames<B, F> {
        #[pin]
        body: B,
        describe: F,
    }
}

impl<B, F> Stream for DataFrames<B, F>
where
    B: HttpBody<Data = Bytes>,
    F: Fn(B::Error) -> String,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match std::task::ready!(this.body.as_mut().poll_frame(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err((this.describe)(e).into()))),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                    // Empty data frames and trailers carry nothing for the app.
                    _ => continue,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_error_text_stays_out_of_the_client_message() {
        let msg = describe_body_error(BodyReadError::Host(
            "wasmtime: stream closed at /srv/secret/path".into(),
        ));
        assert_eq!(msg, "the request body could not be read");
        assert!(describe_body_error(BodyReadError::LengthMismatch).contains("Content-Length"));
    }
    use futures_executor::block_on;
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::Context;

    /// A body that yields the given frames, like Spin's incoming body.
    struct Frames(VecDeque<Result<http_body::Frame<Bytes>, String>>);

    impl HttpBody for Frames {
        type Data = Bytes;
        type Error = String;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, String>>> {
            Poll::Ready(self.0.pop_front())
        }
    }

    fn data(s: &'static str) -> Result<http_body::Frame<Bytes>, String> {
        Ok(http_body::Frame::data(Bytes::from_static(s.as_bytes())))
    }

    #[test]
    fn keeps_method_uri_and_repeated_headers() {
        let req = http::Request::builder()
            .method("PATCH")
            .uri("/kv/a%20b?prefix=x&limit=2")
            .header("x-multi", "1")
            .header("x-multi", "2")
            .header(
                "spin-full-url",
                "http://127.0.0.1:3000/kv/a%20b?prefix=x&limit=2",
            )
            .body(Frames(VecDeque::new()))
            .unwrap();
        let core = into_core_request(req);
        assert_eq!(core.method(), "PATCH");
        assert_eq!(core.uri().path(), "/kv/a%20b");
        assert_eq!(core.uri().query(), Some("prefix=x&limit=2"));
        let multi: Vec<_> = core.headers().get_all("x-multi").iter().collect();
        assert_eq!(multi, ["1", "2"]);
        assert!(core.headers().contains_key("spin-full-url"));
    }

    #[test]
    fn streams_the_body_and_skips_trailers() {
        let mut trailers = http::HeaderMap::new();
        trailers.insert("x-t", "1".parse().unwrap());
        let frames = Frames(VecDeque::from([
            data("hel"),
            data(""),
            data("lo"),
            Ok(http_body::Frame::trailers(trailers)),
        ]));
        let core = into_core_request(http::Request::post("/kv/x").body(frames).unwrap());
        assert!(
            !core.body().is_buffered(),
            "the body must be streamed, not buffered"
        );
        assert_eq!(
            block_on(core.into_body().collect(1024)).unwrap(),
            Bytes::from_static(b"hello")
        );
    }

    #[test]
    fn body_errors_and_limits_surface_when_read() {
        let frames = Frames(VecDeque::from([
            data("abc"),
            Err("connection reset".to_string()),
        ]));
        let err = block_on(
            into_core_request(http::Request::post("/").body(frames).unwrap())
                .into_body()
                .collect(1024),
        )
        .unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(
            err.message().contains("connection reset"),
            "{}",
            err.message()
        );
        let frames = Frames(VecDeque::from([data("abc"), data("def")]));
        let err = block_on(
            into_core_request(http::Request::post("/").body(frames).unwrap())
                .into_body()
                .collect(4),
        )
        .unwrap_err();
        assert_eq!(err.status(), 413);
    }

    #[test]
    fn known_empty_bodies_are_empty() {
        let empty = http_body_util_empty();
        let core = into_core_request(http::Request::get("/").body(empty).unwrap());
        assert!(matches!(core.body(), Body::Empty));
    }

    /// An always-ended body (what Spin reports for `content-length: 0`).
    fn http_body_util_empty() -> impl HttpBody<Data = Bytes, Error = String> {
        struct Ended;
        impl HttpBody for Ended {
            type Data = Bytes;
            type Error = String;
            fn poll_frame(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<Option<Result<http_body::Frame<Bytes>, String>>> {
                Poll::Ready(None)
            }
            fn is_end_stream(&self) -> bool {
                true
            }
        }
        Ended
    }
}
