//! The client's request as the app sees it, and Fastly bodies as core streams.

use std::io::Read;

use bytes::Bytes;
use edgezero_core::Body;
use futures_util::Stream;

/// The size of the chunks a body is read in.
const CHUNK: usize = 64 * 1024;

/// A Fastly body as a stream of chunks, read as the app asks for them.
pub fn body_stream(body: fastly::Body) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(Some(body), |state| async move {
        let mut body = state?;
        let mut buf = vec![0u8; CHUNK];
        match body.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(body)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// The request's declared `Content-Length`, if any.
pub fn declared_length(req: &fastly::Request) -> Option<u64> {
    req.get_header_str(http::header::CONTENT_LENGTH)?
        .trim()
        .parse()
        .ok()
}

/// The size of the request's head as it arrived (request line and header lines): one over
/// `MAX_REQUEST_HEAD_BYTES` is refused with 431, as the other platforms' servers do.
pub fn head_size(req: &fastly::Request) -> usize {
    let line = req.get_method_str().len() + req.get_url_str().len() + 12;
    req.get_headers()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + line
}

/// Method, path and query, version, headers and the streamed body of the client's request.
pub fn into_core(
    mut req: fastly::Request,
    declared: Option<u64>,
) -> Result<(http::request::Parts, Body), String> {
    let target = match req.get_query_str() {
        Some(q) => format!("{}?{q}", req.get_path()),
        None => req.get_path().to_string(),
    };
    let mut builder = http::Request::builder()
        .method(req.get_method().clone())
        .uri(target)
        .version(req.get_version());
    if let Some(headers) = builder.headers_mut() {
        for (name, value) in req.get_headers() {
            headers.append(name.clone(), value.clone());
        }
    }
    let body = if declared == Some(0) || !req.has_body() {
        Body::Empty
    } else {
        Body::from_stream(body_stream(req.take_body()))
    };
    let (parts, ()) = builder.body(()).map_err(|e| e.to_string())?.into_parts();
    Ok((parts, body))
}
