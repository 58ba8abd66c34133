//! Outbound HTTP through the Workers `fetch`, streaming both ways.
//!
//! Redirects are not followed: the app gets the 3xx, as on the other platforms.
//! `EDGEZERO__HTTP__TIMEOUT_MS` (default 30 s) bounds the wait for the response's head (past
//! it the request is aborted and the handler gets [`FetchError::Timeout`], 504) and every
//! pause between two chunks of its body (past it the body ends with an error, so a streamed
//! answer is cut, not finished). A request
//! body that fails while it streams (a proxied upload past the body limit, a malformed
//! chunk) answers with its own error (413, 400), not the origin's.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use edgezero_core::body::BoxError;
use edgezero_core::fetch::{check_url, FetchError, HttpClient};
use edgezero_core::{Body, Request, Response};
use futures_util::future::{select, Either};
use futures_util::StreamExt;

/// The client handed to handlers in a Worker.
pub struct WorkerHttp {
    /// How long to wait for the response's head.
    pub timeout: Duration,
}

#[async_trait(?Send)]
impl HttpClient for WorkerHttp {
    async fn send(&self, request: Request) -> Result<Response, FetchError> {
        let host = check_url(request.uri())?.to_string();
        let (parts, body) = request.into_parts();
        // The Workers fetch refuses a body on GET and HEAD, even an empty stream.
        let body = match parts.method {
            http::Method::GET | http::Method::HEAD => Body::Empty,
            _ => body,
        };
        // The body's own failure, kept to answer with it instead of a fetch error.
        let failure: Rc<RefCell<Option<BoxError>>> = Rc::default();
        let body = match body {
            Body::Stream(stream) => {
                let seen = Rc::clone(&failure);
                Body::Stream(Box::pin(stream.map(move |chunk| {
                    if let Err(e) = &chunk {
                        *seen.borrow_mut() = Some(e.to_string().into());
                    }
                    chunk
                })))
            }
            other => other,
        };
        let req = worker::request_to_wasm(http::Request::from_parts(parts, body)).map_err(|e| {
            FetchError::Other(format!("the request to {host} could not be built: {e}"))
        })?;
        // Redirects are answered to the app, as on every platform (the Fetch API would
        // follow them).
        let init = web_sys::RequestInit::new();
        init.set_redirect(web_sys::RequestRedirect::Manual);
        let req = web_sys::Request::new_with_request_and_init(&req, &init).map_err(|e| {
            FetchError::Other(format!("the request to {host} could not be built: {e:?}"))
        })?;
        let abort = worker::AbortController::default();
        let signal = abort.signal();
        let fetch = worker::Fetch::Request(worker::Request::from(req));
        let sent = Box::pin(fetch.send_with_signal(&signal));
        let timer = worker::Delay::from(self.timeout);
        let response = match select(sent, timer).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => {
                abort.abort();
                return Err(FetchError::Timeout {
                    host,
                    timeout: self.timeout,
                });
            }
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                if let Some(failure) = failure.borrow_mut().take() {
                    return Err(FetchError::request_body(failure));
                }
                return Err(FetchError::Connect {
                    host,
                    reason: e.to_string(),
                });
            }
        };
        let response: http::Response<worker::Body> =
            response.try_into().map_err(|e: worker::Error| {
                FetchError::Other(format!("the response of {host} could not be read: {e}"))
            })?;
        let (parts, body) = response.into_parts();
        let body = idle_limited(body, self.timeout, host);
        Ok(Response::from_parts(parts, Body::from_stream(body)))
    }
}

/// `body`, failing once a chunk takes longer than `timeout` to arrive.
fn idle_limited(
    body: worker::Body,
    timeout: Duration,
    host: String,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, BoxError>> {
    futures_util::stream::unfold(Some(body), move |state| {
        let host = host.clone();
        async move {
            let mut body = state?;
            match select(body.next(), worker::Delay::from(timeout)).await {
                Either::Left((Some(Ok(chunk)), _)) => Some((Ok(chunk), Some(body))),
                Either::Left((Some(Err(e)), _)) => Some((Err(e.to_string().into()), None)),
                Either::Left((None, _)) => None,
                Either::Right(((), _)) => Some((
                    Err(format!("`{host}` paused its answer for longer than {timeout:?}").into()),
                    None,
                )),
            }
        }
    })
}
