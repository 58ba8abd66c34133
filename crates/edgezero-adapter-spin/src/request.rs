//! Spin request → core request.
//!
//! The component's entry point takes the `wasi:http` request as Spin hands it over and
//! builds the core request's head from its parts ([`uri_from_parts`], [`headers_from_list`]):
//! Spin's own `spin-*` header names, which every request carries, are matched against
//! constants instead of being parsed and copied, and the head is assembled in place rather
//! than through a builder. An `http::Request` whose body implements `http_body::Body` (such
//! as `spin_sdk::http::Request`) converts too ([`into_core_request`]). Either way the method,
//! the URI (path and query, plus scheme and authority when Spin supplies them) and every
//! header, repeated ones included, are kept, and the body is streamed into [`Body::Stream`]
//! without buffering it: extractors read it, under the body limit, only when a handler asks.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use edgezero_core::body::BoxError;
use edgezero_core::{Body, Request};
use futures_util::Stream;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme, Uri};
use http_body::Body as HttpBody;

/// The names of the headers Spin adds to every request it hands a component (besides the
/// `spin-path-match-*` ones of a route's parameters), as constants.
mod spin_names {
    use http::header::HeaderName;

    pub const FULL_URL: HeaderName = HeaderName::from_static("spin-full-url");
    pub const PATH_INFO: HeaderName = HeaderName::from_static("spin-path-info");
    pub const MATCHED_ROUTE: HeaderName = HeaderName::from_static("spin-matched-route");
    pub const BASE_PATH: HeaderName = HeaderName::from_static("spin-base-path");
    pub const RAW_COMPONENT_ROUTE: HeaderName = HeaderName::from_static("spin-raw-component-route");
    pub const COMPONENT_ROUTE: HeaderName = HeaderName::from_static("spin-component-route");
    pub const CLIENT_ADDR: HeaderName = HeaderName::from_static("spin-client-addr");
}

/// A header name as the host lists it: one of the `spin-*` names Spin sets on every request
/// without parsing or allocating, any other parsed (and checked) as usual.
pub fn header_name(name: &str) -> Result<HeaderName, http::header::InvalidHeaderName> {
    // The length picks the one name it can be; one comparison then decides. (A `match` on
    // the string compares it with each name in turn, each through `memcmp`.)
    let bytes = name.as_bytes();
    let candidate = match bytes.len() {
        13 => Some(("spin-full-url", spin_names::FULL_URL)),
        14 if bytes[5] == b'p' => Some(("spin-path-info", spin_names::PATH_INFO)),
        14 => Some(("spin-base-path", spin_names::BASE_PATH)),
        16 => Some(("spin-client-addr", spin_names::CLIENT_ADDR)),
        18 => Some(("spin-matched-route", spin_names::MATCHED_ROUTE)),
        20 => Some(("spin-component-route", spin_names::COMPONENT_ROUTE)),
        24 => Some(("spin-raw-component-route", spin_names::RAW_COMPONENT_ROUTE)),
        _ => None,
    };
    match candidate {
        Some((text, known)) if same_bytes(bytes, text.as_bytes()) => Ok(known),
        _ => HeaderName::from_bytes(bytes),
    }
}

/// `a == b` without an early exit, so that it stays a loop over the bytes rather than a call
/// to the C library's byte-by-byte `memcmp`.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The request headers as `wasi:http` lists them (`fields.copy-all`): in order, repeated
/// names kept, each value used as it is (not copied). An invalid name or value is an error
/// naming the header.
pub fn headers_from_list(list: Vec<(String, Vec<u8>)>) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::with_capacity(list.len());
    for (name, value) in list {
        let name = header_name(&name)
            .map_err(|_| format!("invalid request header name `{}`", name.escape_debug()))?;
        let value = HeaderValue::from_maybe_shared(Bytes::from(value))
            .map_err(|_| format!("invalid value of request header `{name}`"))?;
        headers.append(name, value);
    }
    Ok(headers)
}

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
    fn listed_headers_keep_order_repeats_and_spins_names() {
        let list = vec![
            ("host".to_string(), b"example.com".to_vec()),
            (
                "spin-full-url".to_string(),
                b"http://example.com/a?b=1".to_vec(),
            ),
            ("x-multi".to_string(), b"1".to_vec()),
            ("spin-client-addr".to_string(), b"127.0.0.1:9".to_vec()),
            ("X-Multi".to_string(), b"2".to_vec()),
            ("spin-path-match-id".to_string(), b"42".to_vec()),
        ];
        let headers = headers_from_list(list).unwrap();
        assert_eq!(headers.len(), 6);
        assert_eq!(headers["host"], "example.com");
        assert_eq!(headers["spin-full-url"], "http://example.com/a?b=1");
        assert_eq!(headers["spin-client-addr"], "127.0.0.1:9");
        assert_eq!(headers["spin-path-match-id"], "42");
        let multi: Vec<_> = headers.get_all("x-multi").iter().collect();
        assert_eq!(multi, ["1", "2"]);
        let known = [
            spin_names::FULL_URL,
            spin_names::PATH_INFO,
            spin_names::MATCHED_ROUTE,
            spin_names::BASE_PATH,
            spin_names::RAW_COMPONENT_ROUTE,
            spin_names::COMPONENT_ROUTE,
            spin_names::CLIENT_ADDR,
        ];
        for name in known {
            assert_eq!(header_name(name.as_str()).unwrap(), name);
            assert_eq!(
                HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                name,
                "a constant equals the parsed name"
            );
        }
        assert_eq!(header_name("Spin-Full-Url").unwrap(), "spin-full-url");
        // Names of the same lengths that are not Spin's are parsed as any other.
        for other in [
            "x-spin-full-ur",
            "spin-path-infx",
            "spin-base-pat",
            "x-forwarded-for1",
        ] {
            assert_eq!(header_name(other).unwrap(), other);
        }
        assert!(header_name("spin-path-inf\u{e9}").is_err());
    }

    #[test]
    fn bad_listed_headers_are_errors_naming_them() {
        let err = headers_from_list(vec![("bad name".to_string(), b"v".to_vec())]).unwrap_err();
        assert!(err.contains("`bad name`"), "{err}");
        let err =
            headers_from_list(vec![("x-a".to_string(), b"line\nbreak".to_vec())]).unwrap_err();
        assert!(err.contains("`x-a`"), "{err}");
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
