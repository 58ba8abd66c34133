//! Outbound HTTP through Fastly backends, streaming both ways.
//!
//! Redirects are not followed: the app gets the 3xx, as on the other platforms. The request
//! goes through the backend the service declares under the URL's host, else through a
//! dynamic backend for its `host:port` ([`Origin`]). `EDGEZERO__HTTP__TIMEOUT_MS` (default
//! 30 s) is the backend's first-byte and between-bytes timeout: past it the handler gets
//! [`FetchError::Timeout`] (504), or the streamed body ends with an error. A request body
//! that fails while it streams (an upload past the body limit, a malformed chunk) answers
//! with its own error (413, 400), not the origin's.

use std::io::Write;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use edgezero_core::fetch::{check_url, FetchError, HttpClient};
use edgezero_core::{Body, Request, Response};
use fastly::backend::BackendCreationError;
use fastly::http::request::{PendingRequest, PollResult, SendError, SendErrorCause};
use fastly::Backend;
use futures_util::StreamExt;

use crate::outbound::{declare_fix, looks_like_timeout, Origin};
use crate::request::body_stream;

/// The client handed to handlers.
pub struct FastlyHttp {
    /// The backends' first-byte and between-bytes timeout.
    pub timeout: Duration,
}

fn backend_for(origin: &Origin, timeout: Duration) -> Result<Backend, FetchError> {
    for name in [origin.host.clone(), origin.dynamic_name()] {
        if let Ok(backend) = Backend::from_name(&name) {
            if backend.exists() {
                return Ok(backend);
            }
        }
    }
    let name = origin.dynamic_name();
    let mut builder = Backend::builder(&name, origin.target())
        .connect_timeout(timeout)
        .first_byte_timeout(timeout)
        .between_bytes_timeout(timeout);
    if origin.tls {
        builder = builder
            .enable_ssl()
            .sni_hostname(&origin.host)
            .check_certificate(&origin.host);
    }
    match builder.finish() {
        Ok(backend) => Ok(backend),
        Err(BackendCreationError::Disallowed) => Err(FetchError::NotAllowed {
            host: origin.host.clone(),
            fix: declare_fix(origin),
        }),
        Err(BackendCreationError::NameInUse) => Ok(Backend::from_name(&name)
            .map_err(|e| FetchError::Other(format!("backend `{name}`: {e}")))?),
        Err(e) => Err(FetchError::Other(format!(
            "a backend for `{}` could not be registered: {e}",
            origin.target()
        ))),
    }
}

/// The response of a request in flight, without blocking the other futures of the request
/// (several outbound requests run at once).
async fn in_flight(pending: PendingRequest) -> Result<fastly::Response, SendError> {
    let mut slot = Some(pending);
    std::future::poll_fn(move |cx| match slot.take() {
        Some(pending) => match pending.poll() {
            PollResult::Done(result) => std::task::Poll::Ready(result),
            PollResult::Pending(pending) => {
                slot = Some(pending);
                crate::executor::wait_for_io(cx);
                std::task::Poll::Pending
            }
        },
        // Not polled again once it is done.
        None => std::task::Poll::Pending,
    })
    .await
}

impl FastlyHttp {
    fn failure(&self, e: SendError, host: &str, started: Instant) -> FetchError {
        let timeout = FetchError::Timeout {
            host: host.to_string(),
            timeout: self.timeout,
        };
        match e.root_cause() {
            SendErrorCause::ConnectionTimeout
            | SendErrorCause::HttpResponseTimeout
            | SendErrorCause::DnsTimeout => timeout,
            SendErrorCause::InternalError(_)
                if looks_like_timeout(started.elapsed(), self.timeout) =>
            {
                timeout
            }
            cause => FetchError::Connect {
                host: host.to_string(),
                reason: format!("{cause}"),
            },
        }
    }
}

#[async_trait(?Send)]
impl HttpClient for FastlyHttp {
    async fn send(&self, request: Request) -> Result<Response, FetchError> {
        let host = check_url(request.uri())?.to_string();
        let origin = Origin::of(request.uri())
            .ok_or_else(|| FetchError::InvalidUrl(request.uri().to_string()))?;
        let backend = backend_for(&origin, self.timeout)?;
        let (parts, body) = request.into_parts();
        let mut req = fastly::Request::new(parts.method, parts.uri.to_string());
        req.set_pass(true);
        for (name, value) in &parts.headers {
            req.append_header(name, value);
        }
        let started = Instant::now();
        let fail = |e| self.failure(e, &host, started);
        let sent = match body {
            Body::Empty => in_flight(req.send_async(&backend).map_err(fail)?).await,
            Body::Full(bytes) => {
                in_flight(
                    req.with_body(bytes.as_ref())
                        .send_async(&backend)
                        .map_err(fail)?,
                )
                .await
            }
            Body::Stream(mut stream) => {
                req.remove_header(http::header::CONTENT_LENGTH);
                let (mut sink, pending) = req.send_async_streaming(&backend).map_err(fail)?;
                while let Some(chunk) = stream.next().await {
                    match chunk {
                        Ok(chunk) => {
                            if sink.write_all(&chunk).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            let _ = sink.abandon();
                            return Err(FetchError::request_body(e));
                        }
                    }
                }
                if let Err(e) = sink.finish() {
                    log::debug!("the request body to {host} could not be finished: {e}");
                }
                in_flight(pending).await
            }
        };
        let mut resp = sent.map_err(fail)?;
        let mut builder = http::Response::builder().status(resp.get_status());
        if let Some(headers) = builder.headers_mut() {
            for (name, value) in resp.get_headers() {
                headers.append(name.clone(), value.clone());
            }
        }
        let body = Body::from_stream(body_stream(resp.take_body()));
        builder.body(body).map_err(|e| {
            FetchError::Other(format!("the response of {host} could not be read: {e}"))
        })
    }
}
