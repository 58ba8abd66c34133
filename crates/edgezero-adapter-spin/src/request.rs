//! Spin request → core request.
//!
//! [`component!`](crate::component) takes the `wasi:http` request as Spin hands it over and
//! builds the core request's head from its parts ([`uri_from_parts`], [`headers_from_list`]),
//! in place rather than through a builder; `run_app` takes the head the SDK converted
//! ([`split_spin_headers`]). An `http::Request` whose body implements `http_body::Body`
//! converts too ([`into_core_request`]). Every way, the method, the URI (path and query,
//! plus scheme and authority when Spin supplies them) and every header, repeated ones
//! included, are kept — except Spin's own `spin-*` headers, which become core's
//! `ClientAddr` and a [`SpinRequestInfo`] extension (see [`spin_headers`]) — and the body is
//! streamed into [`Body::Stream`] without buffering it: extractors read it, under the body
//! limit, only when a handler asks.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use edgezero_core::body::BoxError;
use edgezero_core::{Body, Request};
use futures_util::Stream;
use http::uri::{Authority, PathAndQuery, Scheme, Uri};
use http_body::Body as HttpBody;

pub mod spin_headers;

pub use spin_headers::{
    headers_from_list, split_spin_headers, InvalidRequestHeader, SpinRequestInfo,
};

/// The request URI from the parts `wasi:http` gives separately, by the rules of
/// `http::Uri::from_parts` (a scheme needs an authority and a path).
pub fn uri_from_parts(
    scheme: Option<Scheme>,
    authority: Option<String>,
    path_with_query: Option<String>,
) -> Result<Uri, http::Error> {
    let mut parts = http::uri::Parts::default();
    parts.scheme = scheme;
    if let Some(authority) = authority {
        parts.authority = Some(Authority::from_maybe_shared(Bytes::from(authority))?);
    }
    if let Some(path) = path_with_query {
        parts.path_and_query = Some(PathAndQuery::from_maybe_shared(Bytes::from(path))?);
    }
    Ok(Uri::from_parts(parts)?)
}

/// Converts a request whose body is any `http_body::Body` into a core [`Request`], Spin's
/// `spin-*` headers taken out into its extensions (see [`spin_headers`]).
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
    let (mut parts, body) = request.into_parts();
    split_spin_headers(&mut parts.headers).attach_to(&mut parts.extensions);
    Request::from_parts(parts, into_core_body(body, describe))
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
        // One allocation: the body is pinned inside the stream's own box. Built directly
        // rather than with `Body::from_stream`, whose error-mapping layer would add a second
        // stream adapter to every component.
        Body::Stream(Box::pin(DataFrames { body, describe }))
    }
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
    fn uris_are_built_from_their_parts() {
        let uri = uri_from_parts(
            Some(Scheme::HTTPS),
            Some("example.com:8443".into()),
            Some("/a/b?c=d".into()),
        )
        .unwrap();
        assert_eq!(uri, "https://example.com:8443/a/b?c=d");
        let uri = uri_from_parts(None, None, Some("/only?q".into())).unwrap();
        assert_eq!((uri.path(), uri.query()), ("/only", Some("q")));
        assert!(uri.scheme().is_none() && uri.authority().is_none());
        assert!(uri_from_parts(Some(Scheme::HTTP), None, Some("/".into())).is_err());
        assert!(uri_from_parts(None, None, Some("no slash\n".into())).is_err());
        assert!(uri_from_parts(None, Some("bad host/".into()), None).is_err());
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
            .header("spin-client-addr", "192.0.2.1:4000")
            .body(Frames(VecDeque::new()))
            .unwrap();
        let core = into_core_request(req);
        assert_eq!(core.method(), "PATCH");
        assert_eq!(core.uri().path(), "/kv/a%20b");
        assert_eq!(core.uri().query(), Some("prefix=x&limit=2"));
        let multi: Vec<_> = core.headers().get_all("x-multi").iter().collect();
        assert_eq!(multi, ["1", "2"]);
        assert!(!core.headers().contains_key("spin-full-url"));
        let info = core.extensions().get::<SpinRequestInfo>().unwrap();
        assert_eq!(
            info.full_url(),
            Some("http://127.0.0.1:3000/kv/a%20b?prefix=x&limit=2")
        );
        assert_eq!(
            core.extensions()
                .get::<edgezero_core::extract::ClientAddr>()
                .map(|a| a.0.to_string()),
            Some("192.0.2.1".to_string())
        );
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
