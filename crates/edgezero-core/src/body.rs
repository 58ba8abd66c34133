//! Request and response bodies: buffered or streamed.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::stream::{Stream, StreamExt};

/// Boxed error carried by a streaming body.
pub use crate::error::BoxError;
use crate::error::EdgeError;

/// A stream of body chunks. Not `Send`: see the crate docs for the threading model.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + 'static>>;

/// An HTTP body, either fully buffered or a stream of chunks.
#[derive(Default)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A buffered body.
    Full(Bytes),
    /// A streamed body, produced chunk by chunk.
    Stream(BodyStream),
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body::Empty
    }

    /// A body that streams the chunks of `stream`.
    ///
    /// As a response body, each chunk is sent as soon as the stream yields it, on every
    /// adapter (natively with HTTP/1.1 chunked encoding; on Spin through the `wasi:http`
    /// body stream): nothing waits for the end. An `Err` item ends the response with an
    /// error: the adapter stops without finishing the body, so the client sees an incomplete
    /// response rather than a short one that looks whole. The stream need not be `Send`.
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use edgezero_core::{Body, Bytes, Response};
    /// use futures_util::stream::{self, StreamExt};
    ///
    /// async fn numbers() -> Response {
    ///     let lines = stream::iter(1..=1000)
    ///         .map(|n| Ok::<_, Infallible>(Bytes::from(format!("{n}\n"))));
    ///     let mut resp = Response::new(Body::from_stream(lines));
    ///     resp.headers_mut()
    ///         .insert("content-type", "text/plain; charset=utf-8".parse().unwrap());
    ///     resp
    /// }
    /// # let resp = futures_executor::block_on(numbers());
    /// # let text = futures_executor::block_on(resp.into_body().collect(1 << 20)).unwrap();
    /// # assert!(text.starts_with(b"1\n2\n") && text.ends_with(b"1000\n"));
    /// ```
    ///
    /// For events to a browser, [`Sse`](crate::response::sse::Sse) builds on this.
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + 'static,
        E: Into<BoxError>,
    {
        Body::Stream(Box::pin(stream.map(|r| r.map_err(Into::into))))
    }

    /// The exact length when it is known without reading the body.
    pub fn size_hint(&self) -> Option<u64> {
        match self {
            Body::Empty => Some(0),
            Body::Full(b) => Some(b.len() as u64),
            Body::Stream(_) => None,
        }
    }

    /// True for a buffered body (or no body).
    pub fn is_buffered(&self) -> bool {
        !matches!(self, Body::Stream(_))
    }

    /// Reads the whole body. Fails with `413 Payload Too Large` once more than `limit`
    /// bytes arrive, and with `400` when the stream itself fails (an [`EdgeError`] carried
    /// by the stream, such as the `413` of [`Body::limited`], is returned as it is).
    pub async fn collect(self, limit: usize) -> Result<Bytes, EdgeError> {
        match self {
            Body::Empty => Ok(Bytes::new()),
            Body::Full(b) if b.len() > limit => Err(EdgeError::payload_too_large(limit)),
            Body::Full(b) => Ok(b),
            Body::Stream(mut s) => {
                let mut buf = BytesMut::new();
                while let Some(chunk) = s.next().await {
                    let chunk = chunk.map_err(|e| match e.downcast::<EdgeError>() {
                        Ok(edge) => *edge,
                        Err(e) => {
                            EdgeError::bad_request(format!("failed to read request body: {e}"))
                        }
                    })?;
                    if buf.len() + chunk.len() > limit {
                        return Err(EdgeError::payload_too_large(limit));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(buf.freeze())
            }
        }
    }

    /// Holds the body to `limit` bytes: a buffered body over it fails at once with `413`; a
    /// stream yields the `413` [`EdgeError`] (boxed) as an error item, and then ends, as soon
    /// as more than `limit` bytes have arrived. Nothing past the limit is handed out.
    pub fn limited(self, limit: usize) -> Result<Body, EdgeError> {
        match self {
            Body::Full(b) if b.len() > limit => Err(EdgeError::payload_too_large(limit)),
            Body::Stream(inner) => Ok(Body::Stream(Box::pin(Limited {
                inner: Some(inner),
                remaining: limit,
                limit,
            }))),
            other => Ok(other),
        }
    }

    /// Turns the body into a stream of chunks (a buffered body yields one chunk).
    pub fn into_stream(self) -> BodyStream {
        match self {
            Body::Empty => Box::pin(futures_util::stream::empty()),
            Body::Full(b) => Box::pin(futures_util::stream::once(async move { Ok(b) })),
            Body::Stream(s) => s,
        }
    }
}

impl Stream for Body {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this {
            Body::Empty => Poll::Ready(None),
            Body::Full(b) => {
                let b = std::mem::take(b);
                *this = Body::Empty;
                if b.is_empty() {
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(Ok(b)))
                }
            }
            Body::Stream(s) => s.as_mut().poll_next(cx),
        }
    }
}

/// A body is an `http_body::Body` as well, so an adapter hands it to its HTTP stack as it
/// is: each chunk goes out as a data frame as the app yields it.
impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        self.poll_next(cx)
            .map(|chunk| chunk.map(|r| r.map(http_body::Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Empty => true,
            Body::Full(b) => b.is_empty(),
            Body::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match Body::size_hint(self) {
            Some(n) => http_body::SizeHint::with_exact(n),
            None => http_body::SizeHint::default(),
        }
    }
}

/// A stream cut off with a `413` once it exceeds its limit.
struct Limited {
    inner: Option<BodyStream>,
    remaining: usize,
    limit: usize,
}

impl Stream for Limited {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) if chunk.len() > this.remaining => {
                this.inner = None;
                Poll::Ready(Some(Err(Box::new(EdgeError::payload_too_large(
                    this.limit,
                )))))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                this.remaining -= chunk.len();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                this.inner = None;
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Body::Empty"),
            Body::Full(b) => write!(f, "Body::Full({} bytes)", b.len()),
            Body::Stream(_) => f.write_str("Body::Stream(..)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::Full(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body::Full(Bytes::from(v))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::Full(Bytes::from(s))
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::Full(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Body::Full(Bytes::from_static(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    #[test]
    fn as_an_http_body_empty_bodies_end_at_once_and_chunks_are_frames() {
        use http_body::Body as _;
        assert!(Body::Empty.is_end_stream());
        assert!(Body::Full(Bytes::new()).is_end_stream());
        let full = Body::from("abc");
        assert!(!full.is_end_stream());
        assert_eq!(http_body::Body::size_hint(&full).exact(), Some(3));
        let chunks: Vec<Result<Bytes, BoxError>> =
            vec![Ok(Bytes::from_static(b"a")), Ok(Bytes::from_static(b"bc"))];
        let streamed = Body::from_stream(futures_util::stream::iter(chunks));
        assert!(!streamed.is_end_stream());
        assert_eq!(http_body::Body::size_hint(&streamed).exact(), None);
        let frames = block_on(http_body_util::BodyExt::collect(streamed)).unwrap();
        assert_eq!(frames.to_bytes(), Bytes::from_static(b"abc"));
    }

    #[test]
    fn collect_enforces_limit_on_streams() {
        let chunks: Vec<Result<Bytes, BoxError>> =
            (0..4).map(|_| Ok(Bytes::from_static(b"abc"))).collect();
        let body = Body::from_stream(futures_util::stream::iter(chunks));
        let err = block_on(body.collect(10)).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn collect_joins_chunks() {
        let chunks: Vec<Result<Bytes, BoxError>> =
            (0..3).map(|_| Ok(Bytes::from_static(b"ab"))).collect();
        let body = Body::from_stream(futures_util::stream::iter(chunks));
        assert_eq!(
            block_on(body.collect(6)).unwrap(),
            Bytes::from_static(b"ababab")
        );
    }

    fn stream_of(chunks: usize, chunk: &'static [u8]) -> Body {
        let items: Vec<Result<Bytes, BoxError>> =
            (0..chunks).map(|_| Ok(Bytes::from_static(chunk))).collect();
        Body::from_stream(futures_util::stream::iter(items))
    }

    #[test]
    fn limited_stream_stops_with_413_at_the_limit() {
        let mut body = stream_of(4, b"abc").limited(7).unwrap();
        let mut seen = 0;
        let err = block_on(async {
            loop {
                match body.next().await {
                    Some(Ok(c)) => seen += c.len(),
                    Some(Err(e)) => break e,
                    None => panic!("the stream must fail past the limit"),
                }
            }
        });
        assert_eq!(seen, 6, "no byte past the limit is handed out");
        let edge = err
            .downcast::<EdgeError>()
            .expect("the error is the 413 EdgeError");
        assert_eq!(edge.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            block_on(body.next()).is_none(),
            "the stream ends after the error"
        );
    }

    #[test]
    fn limited_stream_collects_as_413_and_passes_within_limit() {
        let body = stream_of(4, b"abc").limited(7).unwrap();
        let err = block_on(body.collect(usize::MAX)).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
        let body = stream_of(2, b"abc").limited(6).unwrap();
        assert_eq!(block_on(body.collect(usize::MAX)).unwrap(), "abcabc");
    }

    #[test]
    fn limited_full_body_over_limit_is_413() {
        let err = Body::from("hello").limited(4).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
        assert!(Body::from("hello").limited(5).is_ok());
    }

    #[test]
    fn full_body_over_limit_is_413() {
        let err = block_on(Body::from("hello").collect(4)).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
    }
}
