//! Core response → Spin response.
//!
//! Both entry points write the `wasi:http` response themselves (the `component::respond`
//! module, `wasm32` only); code that hands a core response to the SDK instead can, since a
//! core `Body` is an `http_body::Body` (`spin_sdk::http::IntoResponse` converts it, writing
//! the body from a spawned task). Either way the body is not collected: streamed responses
//! stay streamed. Headers are copied as they are (several
//! `Set-Cookie` stay several), except the connection-level headers that `wasi:http` refuses
//! (see [`FORBIDDEN_RESPONSE_HEADERS`]): one of those would make the host reject the whole
//! response.

use edgezero_core::Response;
use http::HeaderMap;

/// Headers a `wasi:http` host refuses in a response or an outgoing request (wasmtime's
/// forbidden list, which Spin uses): they describe the connection or the proxy hop, which
/// the host owns. The embedded host's tests check that this is exactly wasmtime's list.
pub const FORBIDDEN_RESPONSE_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "http2-settings",
];

/// Bit `n` is set when a name in [`FORBIDDEN_RESPONSE_HEADERS`] is `n` bytes long.
const FORBIDDEN_LENGTHS: u32 = {
    let mut bits = 0;
    let mut i = 0;
    while i < FORBIDDEN_RESPONSE_HEADERS.len() {
        bits |= 1 << FORBIDDEN_RESPONSE_HEADERS[i].len();
        i += 1;
    }
    bits
};

/// Whether `name` has the length of a forbidden name (a quick filter, not the check).
fn may_be_forbidden(name: &str) -> bool {
    name.len() < 32 && FORBIDDEN_LENGTHS & (1 << name.len()) != 0
}

/// Removes the headers in [`FORBIDDEN_RESPONSE_HEADERS`], returning the names removed.
pub fn strip_forbidden_headers(headers: &mut HeaderMap) -> Vec<&'static str> {
    let mut removed = Vec::new();
    // Most responses carry none: a look at the length of each name present instead of
    // seven lookups, each of which parses and hashes a name.
    if !headers.keys().any(|name| may_be_forbidden(name.as_str())) {
        return removed;
    }
    for name in FORBIDDEN_RESPONSE_HEADERS {
        if headers.remove(*name).is_some() {
            removed.push(*name);
        }
    }
    removed
}

/// A core response without the headers Spin does not allow (each one dropped is logged).
pub fn without_forbidden_headers(mut response: Response) -> Response {
    let removed = strip_forbidden_headers(response.headers_mut());
    if !removed.is_empty() {
        log::warn!(
            "dropped response headers that Spin does not allow: {}",
            removed.join(", ")
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::Poll;

    use bytes::Bytes;
    use edgezero_core::body::BoxError;
    use edgezero_core::Body;
    use futures_executor::block_on;
    use http_body::Body as _;

    use super::*;

    fn frames(mut body: Body) -> Vec<Bytes> {
        let mut out = Vec::new();
        block_on(futures_util::future::poll_fn(|cx| loop {
            match Pin::new(&mut body).poll_frame(cx) {
                Poll::Ready(Some(Ok(f))) => out.push(f.into_data().unwrap()),
                Poll::Ready(Some(Err(e))) => panic!("{e}"),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }));
        out
    }

    #[test]
    fn keeps_status_and_repeated_headers_and_drops_forbidden_ones() {
        let resp = http::Response::builder()
            .status(201)
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .header("connection", "close")
            .header("transfer-encoding", "chunked")
            .header("content-type", "text/plain")
            .body(Body::from("hi"))
            .unwrap();
        let out = without_forbidden_headers(resp);
        assert_eq!(out.status(), 201);
        let cookies: Vec<_> = out.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert!(!out.headers().contains_key("connection"));
        assert!(!out.headers().contains_key("transfer-encoding"));
        assert_eq!(out.headers()["content-type"], "text/plain");
        assert_eq!(http_body::Body::size_hint(out.body()).exact(), Some(2));
        assert_eq!(frames(out.into_body()), [Bytes::from_static(b"hi")]);
    }

    #[test]
    fn each_forbidden_header_alone_is_dropped_and_others_kept() {
        for name in FORBIDDEN_RESPONSE_HEADERS {
            let mut headers = HeaderMap::new();
            headers.insert(*name, "x".parse().unwrap());
            headers.insert("x-kept", "1".parse().unwrap());
            assert_eq!(strip_forbidden_headers(&mut headers), [*name]);
            assert_eq!(headers.len(), 1, "{name}");
            assert!(headers.contains_key("x-kept"));
        }
        // Names of a forbidden length that are not forbidden stay.
        let mut headers = HeaderMap::new();
        for name in [
            "etag",
            "x-trace",
            "x-trace-id",
            "content-digest",
            "x-correlation-id",
            "x-forwarded-client",
            "x-forwarded-clients",
        ] {
            headers.insert(name, "1".parse().unwrap());
        }
        assert!(strip_forbidden_headers(&mut headers).is_empty());
        assert_eq!(headers.len(), 7);
    }

    #[test]
    fn streams_chunk_by_chunk() {
        let chunks: Vec<Result<Bytes, BoxError>> =
            vec![Ok(Bytes::from_static(b"a")), Ok(Bytes::from_static(b"bc"))];
        let body = Body::from_stream(futures_util::stream::iter(chunks));
        let out = without_forbidden_headers(http::Response::new(body));
        assert_eq!(
            http_body::Body::size_hint(out.body()).exact(),
            None,
            "a stream has no known length"
        );
        assert_eq!(
            frames(out.into_body()),
            [Bytes::from_static(b"a"), Bytes::from_static(b"bc")]
        );
    }

    #[test]
    fn empty_body_is_ended() {
        let out = without_forbidden_headers(http::Response::new(Body::Empty));
        assert!(out.body().is_end_stream());
        assert!(frames(out.into_body()).is_empty());
    }
}
