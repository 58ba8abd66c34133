//! Outbound HTTP through Spin (`wasi:http` client, `spin_sdk::http::send`), streaming both
//! ways. Compiled only with the `outbound-http` feature, so components that never call an
//! origin do not import the client.

use async_trait::async_trait;
use edgezero_core::fetch::{FetchError, HttpClient};
use edgezero_core::{Request, Response};
use spin_sdk::wasip3::http::types::ErrorCode;

use crate::request::into_core_body;
use crate::response::ResponseBody;

/// The client handed to handlers on Spin.
pub(super) struct SpinHttp;

fn fetch_error(e: ErrorCode, scheme: &str, host: &str, port: Option<u16>) -> FetchError {
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
            timeout: edgezero_core::fetch::DEFAULT_TIMEOUT,
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
        let scheme = request.uri().scheme_str().unwrap_or("http").to_string();
        let host = request.uri().host().unwrap_or("").to_string();
        let port = request.uri().port_u16();
        let (parts, body) = request.into_parts();
        let outgoing = http::Request::from_parts(parts, ResponseBody::new(body));
        let response = spin_sdk::http::send(outgoing)
            .await
            .map_err(|e| fetch_error(e, &scheme, &host, port))?;
        let (parts, body) = response.into_parts();
        Ok(http::Response::from_parts(
            parts,
            into_core_body(body, |_| "the origin's response body failed".to_string()),
        ))
    }
}
