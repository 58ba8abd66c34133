//! Core response → the `web_sys::Response` workerd sends. A buffered body (the common case:
//! JSON, text, an asset) is handed to workerd in one copy; a streamed body becomes the
//! response's `ReadableStream` (through workers-rs), each chunk going out as the app yields
//! it.

use edgezero_core::{Body, Response};
use http::response::Parts;
use wasm_bindgen::JsValue;

/// Converts a core response; a response workerd cannot take is logged and answered with a
/// JSON 500 without details.
pub fn into_worker(response: Response) -> Result<web_sys::Response, JsValue> {
    let (mut parts, body) = response.into_parts();
    let sent = match body {
        Body::Empty => buffered(&parts, None),
        Body::Full(bytes) => buffered(&parts, Some(&bytes)),
        body @ Body::Stream(_) => {
            // A `Content-Encoding` the app set means the body is encoded already (the
            // Compression middleware, a precompressed asset), as on every platform: workerd
            // must send it as it is. By default it would compress the body again.
            if encoded(&parts) {
                parts.extensions.insert(worker::EncodeBody::Manual);
            }
            worker::response_to_wasm(http::Response::from_parts(parts, body)).map_err(JsValue::from)
        }
    };
    sent.or_else(|e| {
        log::error!("the response could not be sent: {}", worker::Error::from(e));
        let parts = http::Response::builder()
            .status(500)
            .header("content-type", "application/json")
            .body(())
            .map_err(|e| JsValue::from_str(&e.to_string()))?
            .into_parts()
            .0;
        buffered(
            &parts,
            Some(br#"{"error":{"status":500,"message":"internal error"}}"#),
        )
    })
}

fn encoded(parts: &Parts) -> bool {
    parts.headers.contains_key(http::header::CONTENT_ENCODING)
}

/// A response whose body is all here: status, headers and the bytes, with no stream.
fn buffered(parts: &Parts, body: Option<&[u8]>) -> Result<web_sys::Response, JsValue> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &parts.headers {
        let value = std::str::from_utf8(value.as_bytes()).map_err(|_| {
            JsValue::from_str(&format!("the value of header `{name}` is not UTF-8"))
        })?;
        headers.append(name.as_str(), value)?;
    }
    let status = parts.status.as_u16();
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers);
    if encoded(parts) {
        js_sys::Reflect::set(&init, &"encodeBody".into(), &"manual".into())?;
    }
    // A status that has no body (204, 205, 304) takes none: `new Response` refuses one, even
    // empty.
    let body = body
        .filter(|b| !b.is_empty() && !matches!(status, 101 | 204 | 205 | 304))
        .map(js_sys::Uint8Array::from);
    web_sys::Response::new_with_opt_buffer_source_and_init(body.as_deref(), &init)
}
