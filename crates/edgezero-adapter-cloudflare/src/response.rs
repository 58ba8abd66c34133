//! A core [`Body`] as an `http_body::Body`, which workers-rs turns into the response's
//! stream: each chunk goes out as the app yields it.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use edgezero_core::body::BoxError;
use edgezero_core::Body;
use futures_util::Stream;
use http_body::{Frame, SizeHint};

/// A core body, polled chunk by chunk.
pub struct CoreBody(pub Body);

impl http_body::Body for CoreBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.0)
            .poll_next(cx)
            .map(|chunk| chunk.map(|r| r.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Body::Empty => true,
            Body::Full(b) => b.is_empty(),
            Body::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.0.size_hint() {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use http_body::Body as _;

    use super::*;

    #[test]
    fn empty_bodies_end_at_once() {
        assert!(CoreBody(Body::Empty).is_end_stream());
        assert!(CoreBody(Body::Full(Bytes::new())).is_end_stream());
        assert!(!CoreBody(Body::Full(Bytes::from_static(b"x"))).is_end_stream());
    }
}
