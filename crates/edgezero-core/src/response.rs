//! Responses and the [`IntoResponse`] conversions handlers rely on.

use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};

use crate::body::Body;
use crate::error::EdgeError;

/// The request type adapters hand to the router.
pub type Request = http::Request<Body>;
/// The response type handlers produce.
pub type Response = http::Response<Body>;

/// Anything a handler may return.
pub trait IntoResponse {
    /// Converts into a response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for EdgeError {
    fn into_response(self) -> Response {
        EdgeError::into_response(self)
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(v) => v.into_response(),
            Err(e) => e.into_response(),
        }
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        http::Response::new(Body::Empty)
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut resp = http::Response::new(Body::Empty);
        *resp.status_mut() = self;
        resp
    }
}

fn with_type(body: Body, content_type: &'static str) -> Response {
    let mut resp = http::Response::new(body);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_type(Body::from(self), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_type(Body::from(self), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_type(Body::from(self), "application/octet-stream")
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_type(Body::from(self), "application/octet-stream")
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> Response {
        http::Response::new(self)
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut resp = self.1.into_response();
        *resp.status_mut() = self.0;
        resp
    }
}

impl<T: IntoResponse, const N: usize> IntoResponse for ([(header::HeaderName, HeaderValue); N], T) {
    fn into_response(self) -> Response {
        let mut resp = self.1.into_response();
        for (name, value) in self.0 {
            resp.headers_mut().append(name, value);
        }
        resp
    }
}

/// A redirect response with a `Location` header.
#[derive(Debug, Clone)]
pub struct Redirect {
    status: StatusCode,
    location: String,
}

impl Redirect {
    /// `308 Permanent Redirect` (method and body preserved).
    pub fn permanent(location: impl Into<String>) -> Self {
        Redirect {
            status: StatusCode::PERMANENT_REDIRECT,
            location: location.into(),
        }
    }

    /// `307 Temporary Redirect` (method and body preserved).
    pub fn temporary(location: impl Into<String>) -> Self {
        Redirect {
            status: StatusCode::TEMPORARY_REDIRECT,
            location: location.into(),
        }
    }

    /// `303 See Other` (the client follows with GET).
    pub fn see_other(location: impl Into<String>) -> Self {
        Redirect {
            status: StatusCode::SEE_OTHER,
            location: location.into(),
        }
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match HeaderValue::try_from(self.location) {
            Ok(loc) => {
                let mut resp = self.status.into_response();
                resp.headers_mut().insert(header::LOCATION, loc);
                resp
            }
            Err(_) => {
                EdgeError::internal("redirect location is not a valid header value").into_response()
            }
        }
    }
}

/// JSON body: an extractor for requests (see [`crate::extract`]) and a response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => with_type(Body::from(bytes), "application/json"),
            Err(e) => EdgeError::internal(e).into_response(),
        }
    }
}
