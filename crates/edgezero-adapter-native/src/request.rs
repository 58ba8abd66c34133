//! hyper request → core request, streaming the body.

use edgezero_core::body::BoxError;
use edgezero_core::{Body, EdgeError, Request};
use futures_util::TryStreamExt;
use http_body_util::BodyDataStream;
use hyper::body::Incoming;

/// Converts a hyper request. A declared `Content-Length` over `limit` is refused up front
/// with 413; a body that grows past it while streaming is refused by the extractor.
pub fn into_core(req: http::Request<Incoming>, limit: usize) -> Result<Request, EdgeError> {
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(EdgeError::payload_too_large(limit));
    }
    let (parts, incoming) = req.into_parts();
    let body = if declared == Some(0) || http_body::Body::is_end_stream(&incoming) {
        Body::Empty
    } else {
        Body::from_stream(BodyDataStream::new(incoming).map_err(|e| Box::new(e) as BoxError))
    };
    Ok(Request::from_parts(parts, body))
}
