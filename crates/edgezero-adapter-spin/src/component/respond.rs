//! A core response as a `wasi:http` response, for both entry points: the handler
//! [`component!`](crate::component) exports returns it, and so does `run_app` (the SDK's
//! `IntoResponse` passes a `wasi:http` response through as it is).
//!
//! The SDK's conversion of an `http::Response` takes any `http_body::Body`: it clones the
//! header map to convert it, and writes every body, an empty one too, through a spawned
//! task. Here the headers are read where they are, an empty body is no stream at all, and a
//! buffered body is written whole by its task; a streamed body is still written chunk by
//! chunk as it is produced. The forbidden connection headers are gone already
//! (`crate::response::without_forbidden_headers`).

use edgezero_core::{Body, EdgeError, Response};
use futures_util::StreamExt;
use http::{HeaderMap, StatusCode};
use spin_sdk::wasip3::http::types::{
    ErrorCode, Fields, HeaderError, Response as WasiResponse, Trailers,
};
use spin_sdk::wasip3::wit_bindgen::{FutureWriter, StreamWriter};
use spin_sdk::wasip3::{wit_future, wit_stream};

type BodyResult = Result<Option<Trailers>, ErrorCode>;

/// The `wasi:http` response for `response`; the body is written after the handler returns.
/// Headers the host refuses (too large, say) become a logged 500.
pub(super) fn into_wasi_response(response: Response) -> WasiResponse {
    let (parts, body) = response.into_parts();
    let headers = match fields(&parts.headers) {
        Ok(headers) => headers,
        Err(why) => {
            let size: usize = parts
                .headers
                .iter()
                .map(|(name, value)| name.as_str().len() + value.len())
                .sum();
            let detail = format!(
                "the host refused the response's headers ({why}; {} headers, {size} bytes \
                 of names and values); check their size and syntax",
                parts.headers.len()
            );
            let (parts, body) = EdgeError::internal(detail).into_response().into_parts();
            // Should the host refuse even the error's headers, the 500 goes without them.
            let headers = fields(&parts.headers).unwrap_or_else(|_| Fields::new());
            return build(parts.status, headers, body);
        }
    };
    build(parts.status, headers, body)
}

/// The `wasi:http` fields of `map`, or what the host found wrong with them.
fn fields(map: &HeaderMap) -> Result<Fields, String> {
    let entries: Vec<(String, Vec<u8>)> = map
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    Fields::from_list(&entries).map_err(|e| {
        match e {
            HeaderError::InvalidSyntax => "invalid syntax",
            HeaderError::Forbidden => "a forbidden name",
            HeaderError::Immutable => "immutable",
            HeaderError::SizeExceeded => "too large",
            HeaderError::Other(Some(text)) => return text,
            HeaderError::Other(None) => "refused",
        }
        .to_string()
    })
}

fn build(status: StatusCode, headers: Fields, body: Body) -> WasiResponse {
    let response = match body {
        // No body: no stream, and the trailers future resolves to "none" (its writer,
        // dropped unwritten, sends its default).
        Body::Empty => {
            let (end, end_rx) = wit_future::new(ended);
            let response = WasiResponse::new(headers, None, end_rx).0;
            drop(end);
            response
        }
        body => {
            let (contents, contents_rx) = wit_stream::new::<u8>();
            // Should the writer go away unfinished, the host sees an error, not an end.
            let (result, result_rx) = wit_future::new(unfinished);
            let response = WasiResponse::new(headers, Some(contents_rx), result_rx).0;
            spin_sdk::wasip3::wit_bindgen::spawn(write_body(body, contents, result));
            response
        }
    };
    // Every status a core response can hold is a valid HTTP status.
    let _ = response.set_status_code(status.as_u16());
    response
}

fn ended() -> BodyResult {
    Ok(None)
}

fn unfinished() -> BodyResult {
    Err(ErrorCode::InternalError(Some(
        "the response body was not finished".into(),
    )))
}

/// Writes `body` to `contents`, then its end (or its error) to `result`.
async fn write_body(body: Body, mut contents: StreamWriter<u8>, result: FutureWriter<BodyResult>) {
    let outcome = match body {
        Body::Empty => Ok(()),
        Body::Full(bytes) => send(&mut contents, bytes.into()).await,
        Body::Stream(mut stream) => loop {
            match stream.next().await {
                Some(Ok(chunk)) => {
                    if let Err(stop) = send(&mut contents, chunk.into()).await {
                        break Err(stop);
                    }
                }
                Some(Err(e)) => break Err(Stop::Failed(e.to_string())),
                None => break Ok(()),
            }
        },
    };
    drop(contents);
    match outcome {
        Ok(()) => {
            let _ = result.write(Ok(None)).await;
        }
        Err(Stop::Failed(msg)) => {
            log::error!("the response body failed: {msg}");
            let _ = result.write(Err(ErrorCode::InternalError(Some(msg)))).await;
        }
        // The client went away: `result` is dropped unwritten, which sends its default
        // (an error), as for any body that was not finished.
        Err(Stop::ReaderGone) => {}
    }
}

enum Stop {
    ReaderGone,
    Failed(String),
}

async fn send(contents: &mut StreamWriter<u8>, chunk: Vec<u8>) -> Result<(), Stop> {
    if chunk.is_empty() {
        return Ok(());
    }
    if contents.write_all(chunk).await.is_empty() {
        Ok(())
    } else {
        Err(Stop::ReaderGone)
    }
}
