//! A fake outbound HTTP client for handler tests: records every request and answers from
//! canned responses, so a handler that calls an origin is tested without a network.

use std::cell::RefCell;

use async_trait::async_trait;
use bytes::Bytes;
use edgezero_core::fetch::{FetchError, HttpClient};
use edgezero_core::{Body, Request, Response};

/// One request the fake received, with its body read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The absolute URI.
    pub uri: String,
    /// Headers as `(name, value)`, repeated ones kept.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

enum Answer {
    Status(u16, Vec<(String, String)>, Bytes),
    Fail(fn(&str) -> FetchError),
}

/// The fake client. Responses are matched by URL prefix, first match wins; an unmatched
/// request is a [`FetchError::Connect`].
#[derive(Default)]
pub struct FakeHttp {
    answers: RefCell<Vec<(String, Answer)>>,
    recorded: RefCell<Vec<Recorded>>,
}

impl FakeHttp {
    /// A fake that answers nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers requests whose URL starts with `prefix`.
    pub fn respond(
        self,
        prefix: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Self {
        self.answers.borrow_mut().push((
            prefix.to_string(),
            Answer::Status(
                status,
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body.into(),
            ),
        ));
        self
    }

    /// Fails requests whose URL starts with `prefix` with the error `make` builds from the host.
    pub fn fail(self, prefix: &str, make: fn(&str) -> FetchError) -> Self {
        self.answers
            .borrow_mut()
            .push((prefix.to_string(), Answer::Fail(make)));
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.borrow().clone()
    }
}

#[async_trait(?Send)]
impl HttpClient for FakeHttp {
    async fn send(&self, request: Request) -> Result<Response, FetchError> {
        let (parts, body) = request.into_parts();
        let body = body
            .collect(usize::MAX)
            .await
            .map_err(|e| FetchError::Other(format!("reading the request body: {e}")))?;
        let uri = parts.uri.to_string();
        let host = parts.uri.host().unwrap_or("").to_string();
        self.recorded.borrow_mut().push(Recorded {
            method: parts.method.to_string(),
            uri: uri.clone(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
        });
        let answers = self.answers.borrow();
        match answers
            .iter()
            .find(|(prefix, _)| uri.starts_with(prefix.as_str()))
        {
            Some((_, Answer::Status(status, headers, body))) => {
                let mut builder = http::Response::builder().status(*status);
                for (k, v) in headers {
                    builder = builder.header(k, v);
                }
                builder
                    .body(Body::from(body.clone()))
                    .map_err(|e| FetchError::Other(e.to_string()))
            }
            Some((_, Answer::Fail(make))) => Err(make(&host)),
            None => Err(FetchError::Connect {
                host,
                reason: format!("the fake client has no answer for {uri}"),
            }),
        }
    }
}
