//! core response → hyper response, streaming the body.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use edgezero_core::body::BoxError;
use edgezero_core::{Body, Response};
use futures_util::Stream;
use http_body::{Frame, SizeHint};

/// A core [`Body`] as an `http_body::Body`.
pub struct NativeBody(Body);

impl http_body::Body for NativeBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.get_mut().0)
            .poll_next(cx)
            .map(|chunk| chunk.map(|r| r.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.0, Body::Empty) || matches!(&self.0, Body::Full(b) if b.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self.0.size_hint() {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

/// Converts a core response.
pub fn from_core(resp: Response) -> http::Response<NativeBody> {
    resp.map(NativeBody)
}
