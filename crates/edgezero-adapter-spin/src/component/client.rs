//! Outbound HTTP through Spin (`wasi:http` client, `spin_sdk::http::send`), streaming both
//! ways. Compiled only with the `outbound-http` feature, so components that never call an
//! origin do not import the client.
//!
//! `EDGEZERO__HTTP__TIMEOUT_MS` (default 30 s) becomes the request's `wasi:http` options:
//! the connect timeout, the time to the response's first byte and the longest pause
//! between two body chunks; the host enforces them (Spin's own default is 600 s each).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use edgezero_core::body::BoxError;
use edgezero_core::fetch::{FetchError, HttpClient};
use edgezero_core::{Body, Request, Response};
use futures_util::StreamExt;
use spin_sdk::wasip3::http::types::{ErrorCode, RequestOptions};
use spin_sdk::wasip3::http_compat::RequestOptionsExtension;

use crate::request::into_core_body;

/// The client handed to handlers on Spin.
pub(super) struct SpinHttp {
    /// Connect, first-byte and between-bytes timeout of every request.
    pub timeout: Duration,
}

fn fetch_error(
    e: ErrorCode,
    scheme: &str,
    host: &str,
    port: Option<u16>,
    timeout: Duration,
) -> FetchError {
    let host_s = host.to_string();
    match e {
        ErrorCode::HttpRequestDenied => FetchError::NotAllowed {
            host: host_s,
            fix: format!(
                "add \"{}\" to this component's allowed_outbound_hosts in spin.toml",
                match port {
                    Some(p) => format!("{scheme}://{host}:{p}"),
                    None => format!("{scheme}://{host}"),
                }
            ),
        },
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::DnsTimeout => FetchError::Timeout {
            host: host_s,
            timeout,
        },
        ErrorCode::HttpRequestUriInvalid => FetchError::InvalidUrl(host_s),
        ErrorCode::DnsError(_)
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionTerminated
        | ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_) => FetchError::Connect {
            host: host_s,
            reason: "the connection failed (DNS, refused, reset or TLS)".into(),
        },
        _ => FetchError::Other(format!("the request to {host} failed")),
    }
}

#[async_trait(?Send)]
impl HttpClient for SpinHttp {
    async fn send(&self, request: Request) -> Result<Response, FetchError> {
        edgezero_core::fetch::check_url(request.uri())?;
        let scheme = request.uri().scheme_str().unwrap_or("http").to_string();
        let host = request.uri().host().unwrap_or("").to_string();
        let port = request.uri().port_u16();
        let (mut parts, body) = request.into_parts();
        // `wasi:http` refuses a request carrying a connection-level header (`host` among
        // them: the host derives it from the URL), so such headers, which a forwarded request
        // may carry, are left out rather than failing the request.
        crate::response::strip_forbidden_headers(&mut parts.headers);
        let options = RequestOptions::new();
        let nanos = Some(u64::try_from(self.timeout.as_nanos()).unwrap_or(u64::MAX));
        // A host that does not support one of them keeps its own default for it.
        let _ = options.set_connect_timeout(nanos);
        let _ = options.set_first_byte_timeout(nanos);
        let _ = options.set_between_bytes_timeout(nanos);
        parts.extensions.insert(RequestOptionsExtension(options));
        let failure: Rc<RefCell<Option<BoxError>>> = Rc::default();
        let body = recording_failure(body, Rc::clone(&failure));
        let outgoing = http::Request::from_parts(parts, body);
        let response = spin_sdk::http::send(outgoing).await.map_err(|e| {
            // A request body that failed (past the body limit, or malformed by the client)
            // is why the exchange failed: keep its status rather than blame the origin.
            match failure.borrow_mut().take() {
                Some(body_failure) => FetchError::request_body(body_failure),
                None => fetch_error(e, &scheme, &host, port, self.timeout),
            }
        })?;
        let (parts, body) = response.into_parts();
        Ok(http::Response::from_parts(
            parts,
            into_core_body(body, |_| "the origin's response body failed".to_string()),
        ))
    }
}

/// `body`, keeping the first error it yields in `failure` (the host only learns that the
/// body failed, not why).
fn recording_failure(body: Body, failure: Rc<RefCell<Option<BoxError>>>) -> Body {
    match body {
        Body::Stream(stream) => Body::Stream(Box::pin(stream.map(move |chunk| {
            chunk.map_err(|e| {
                let message: BoxError = e.to_string().into();
                failure.borrow_mut().get_or_insert(e);
                message
            })
        }))),
        buffered => buffered,
    }
}
