//! Core response → the `web_sys::Response` workerd sends. The core body is an
//! `http_body::Body`, which workers-rs turns into the response's stream: each chunk goes out
//! as the app yields it.

use edgezero_core::{Body, Response};
use wasm_bindgen::JsValue;

/// Converts a core response; a response workerd cannot take is logged and answered with a
/// JSON 500 without details.
pub fn into_worker(response: Response) -> Result<web_sys::Response, JsValue> {
    let (mut parts, body) = response.into_parts();
    // A `Content-Encoding` the app set means the body is encoded already (the Compression
    // middleware, a precompressed asset), as on every platform: workerd must send it as it
    // is. By default it would compress the body again to match the header.
    if parts.headers.contains_key(http::header::CONTENT_ENCODING) {
        parts.extensions.insert(worker::EncodeBody::Manual);
    }
    match worker::response_to_wasm(http::Response::from_parts(parts, body)) {
        Ok(resp) => Ok(resp),
        Err(e) => {
            log::error!("the response could not be sent: {e}");
            let fallback = http::Response::builder()
                .status(500)
                .header("content-type", "application/json")
                .body(Body::from(
                    r#"{"error":{"status":500,"message":"internal error"}}"#,
                ))
                .map_err(|e| JsValue::from_str(&e.to_string()))?;
            worker::response_to_wasm(fallback).map_err(JsValue::from)
        }
    }
}
