//! A core response sent to the client: a buffered body at once, a streamed one chunk by
//! chunk as the app yields it (each chunk flushed), every header value kept.

use std::io::Write;

use edgezero_core::{Body, Response};
use futures_util::StreamExt;

use crate::executor::block_on;

/// Sends `response` to the client.
pub fn send(response: Response) {
    let (parts, body) = response.into_parts();
    let mut out = fastly::Response::from_status(parts.status);
    for (name, value) in &parts.headers {
        // Fastly frames the body itself.
        if !matches!(body, Body::Empty)
            && (name == http::header::CONTENT_LENGTH || name == http::header::TRANSFER_ENCODING)
        {
            continue;
        }
        out.append_header(name, value);
    }
    match body {
        Body::Empty => out.send_to_client(),
        Body::Full(bytes) => out.with_body(bytes.as_ref()).send_to_client(),
        Body::Stream(mut stream) => {
            let mut sink = out.stream_to_client();
            loop {
                match block_on(stream.next()) {
                    Some(Ok(chunk)) => {
                        if sink.write_all(&chunk).and_then(|()| sink.flush()).is_err() {
                            // The client went away: the stream is abandoned.
                            return;
                        }
                    }
                    Some(Err(e)) => {
                        // Headers are sent: the body is cut off rather than finished, so the
                        // client sees an incomplete answer, not a complete wrong one.
                        log::error!("the response body failed while it streamed: {e}");
                        let _ = sink.abandon();
                        return;
                    }
                    None => {
                        if let Err(e) = sink.finish() {
                            log::warn!("the response could not be finished: {e}");
                        }
                        return;
                    }
                }
            }
        }
    }
}
