//! Responses and the [`IntoResponse`] conversions handlers rely on.
//!
//! A handler returns anything that implements [`IntoResponse`]:
//!
//! | type | response |
//! |---|---|
//! | `&'static str`, `String` | `200`, `text/plain; charset=utf-8` |
//! | [`Html<T>`] | `200`, `text/html; charset=utf-8` |
//! | [`Json<T>`] | `200`, `application/json` |
//! | `Bytes`, `Vec<u8>` | `200`, `application/octet-stream` |
//! | [`Body`] (buffered or [streamed](Body::from_stream)) | `200`, no content type |
//! | [`sse::Sse`] | `200`, `text/event-stream`, one event at a time |
//! | `StatusCode`, `()` | that status (`200`), no body |
//! | [`Redirect`] | `307` / `308` / `303` with `Location` |
//! | `Result<T, E>` | `T`'s or `E`'s response (`E` = [`EdgeError`], a store error, ...) |
//! | `(StatusCode, T)` | `T` with that status |
//! | `(H, T)`, `(StatusCode, H, T)` | `T` with the headers `H` ([`ResponseHeaders`]: a `HeaderMap`, or an array or `Vec` of name/value pairs) |
//!
//! ```
//! use edgezero_core::http::{header, HeaderMap, StatusCode};
//! use edgezero_core::response::{Html, IntoResponse, Json};
//!
//! async fn created() -> impl IntoResponse {
//!     (StatusCode::CREATED, [("location", "/items/7")], Json(7))
//! }
//!
//! async fn page() -> impl IntoResponse {
//!     let mut headers = HeaderMap::new();
//!     headers.insert(header::CACHE_CONTROL, "max-age=60".parse().unwrap());
//!     (headers, Html("<h1>Hello</h1>"))
//! }
//!
//! let resp = (StatusCode::CREATED, [("location", "/items/7")], Json(7)).into_response();
//! assert_eq!(resp.status(), StatusCode::CREATED);
//! assert_eq!(resp.headers()["location"], "/items/7");
//! assert_eq!(resp.headers()["content-type"], "application/json");
//! # let _ = (created, page);
//! ```
//!
//! Headers given in a tuple replace the body's headers of the same name (so
//! `[("content-type", "text/csv")]` overrides a `String`'s `text/plain`); several pairs with
//! one name are all sent (two `set-cookie`s stay two). A pair that is not a valid header name
//! or value makes the response a logged `500`, never a panic.

use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};

use crate::body::Body;
use crate::error::EdgeError;
use crate::store::config::ConfigError;
use crate::store::kv::KvError;
use crate::store::secrets::SecretError;

mod headers;
pub mod sse;

pub use headers::{InvalidHeader, ResponseHeaders};

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

impl EdgeError {
    /// Builds the JSON error response, logging the internal detail of server errors.
    pub fn into_response(self) -> Response {
        let (status, body, headers, mark) = self.into_marked_parts();
        let mut resp = http::Response::new(Body::from(body));
        *resp.status_mut() = status;
        resp.extensions_mut().insert(mark);
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in headers {
            resp.headers_mut().append(name, value);
        }
        resp
    }
}

impl IntoResponse for EdgeError {
    fn into_response(self) -> Response {
        EdgeError::into_response(self)
    }
}

/// Store errors answer with the status [`EdgeError`]'s conversions give them.
macro_rules! store_error_responses {
    ($($ty:ty),*) => {
        $(impl IntoResponse for $ty {
            fn into_response(self) -> Response {
                EdgeError::from(self).into_response()
            }
        })*
    };
}

store_error_responses!(KvError, ConfigError, SecretError);

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

/// A redirect response with a `Location` header.
///
/// The constructors check the location: it must not be empty or contain control characters
/// (NUL, CR, LF, tab, DEL, ...), which could split or corrupt the header. Non-ASCII
/// characters and spaces are percent-encoded (`/café` → `/caf%C3%A9`). A refused location
/// is an [`InvalidRedirect`]: `?` turns it into a logged `500`; map it to a `400` when the
/// location comes from the request.
///
/// ```
/// use edgezero_core::{EdgeError, Redirect};
///
/// async fn old() -> Result<Redirect, EdgeError> {
///     Ok(Redirect::permanent("/new")?)
/// }
/// assert!(Redirect::see_other("/a\r\nSet-Cookie: x=1").is_err());
/// assert_eq!(Redirect::temporary("/café").unwrap().location(), "/caf%C3%A9");
/// # let _ = old;
/// ```
#[derive(Debug, Clone)]
pub struct Redirect {
    status: StatusCode,
    location: HeaderValue,
}

/// A redirect location that cannot be sent, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid redirect location: {reason}")]
pub struct InvalidRedirect {
    reason: String,
}

impl From<InvalidRedirect> for EdgeError {
    fn from(err: InvalidRedirect) -> Self {
        EdgeError::internal(err)
    }
}

impl IntoResponse for InvalidRedirect {
    fn into_response(self) -> Response {
        EdgeError::from(self).into_response()
    }
}

/// Checks a redirect target and percent-encodes what a header cannot carry as is.
fn location_value(location: &str) -> Result<HeaderValue, InvalidRedirect> {
    if location.is_empty() {
        return Err(InvalidRedirect {
            reason: "the location is empty; give a path such as `/` or an absolute URL".into(),
        });
    }
    if let Some((at, c)) = location.char_indices().find(|(_, c)| c.is_control()) {
        return Err(InvalidRedirect {
            reason: format!(
                "the location contains the control character U+{:04X} at byte {at}; \
                 remove it or percent-encode it",
                c as u32
            ),
        });
    }
    let mut encoded = String::with_capacity(location.len());
    for c in location.chars() {
        if c.is_ascii() && c != ' ' {
            encoded.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
    }
    // Only visible ASCII remains, which is always a valid header value.
    HeaderValue::try_from(encoded).map_err(|e| InvalidRedirect {
        reason: e.to_string(),
    })
}

impl Redirect {
    fn new(status: StatusCode, location: &str) -> Result<Self, InvalidRedirect> {
        Ok(Redirect {
            status,
            location: location_value(location)?,
        })
    }

    /// `308 Permanent Redirect` (method and body preserved).
    pub fn permanent(location: impl AsRef<str>) -> Result<Self, InvalidRedirect> {
        Self::new(StatusCode::PERMANENT_REDIRECT, location.as_ref())
    }

    /// `307 Temporary Redirect` (method and body preserved).
    pub fn temporary(location: impl AsRef<str>) -> Result<Self, InvalidRedirect> {
        Self::new(StatusCode::TEMPORARY_REDIRECT, location.as_ref())
    }

    /// `303 See Other` (the client follows with GET).
    pub fn see_other(location: impl AsRef<str>) -> Result<Self, InvalidRedirect> {
        Self::new(StatusCode::SEE_OTHER, location.as_ref())
    }

    /// The `Location` header value, as it will be sent.
    pub fn location(&self) -> &str {
        // Built from visible ASCII only, so this never falls back.
        self.location.to_str().unwrap_or_default()
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        resp.headers_mut().insert(header::LOCATION, self.location);
        resp
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

/// An HTML body: `text/html; charset=utf-8`.
///
/// ```
/// use edgezero_core::response::{Html, IntoResponse};
///
/// async fn home() -> Html<&'static str> {
///     Html("<!doctype html><title>Home</title><p>Welcome")
/// }
///
/// let resp = Html(format!("<p>{}</p>", 1 + 1)).into_response();
/// assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
/// # let _ = home;
/// ```
///
/// The text is sent as it is: escape what comes from users before putting it in the page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        with_type(self.0.into(), "text/html; charset=utf-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_has_its_content_type_and_body() {
        for resp in [
            Html("<p>hi</p>").into_response(),
            Html(String::from("<p>hi</p>")).into_response(),
            Html(Bytes::from_static(b"<p>hi</p>")).into_response(),
        ] {
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(
                resp.headers()[header::CONTENT_TYPE],
                "text/html; charset=utf-8"
            );
            match resp.into_body() {
                Body::Full(b) => assert_eq!(b, "<p>hi</p>"),
                other => panic!("unexpected body {other:?}"),
            }
        }
        let resp = (StatusCode::NOT_FOUND, Html("<h1>Not here</h1>")).into_response();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
    }

    #[test]
    fn redirect_refuses_control_characters() {
        for bad in [
            "",
            "/a\r\nx: y",
            "/a\nb",
            "/a\0",
            "/a\tb",
            "/a\u{7f}",
            "/a\u{85}",
        ] {
            let err = Redirect::permanent(bad).unwrap_err();
            assert!(
                err.to_string().starts_with("invalid redirect location"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn redirect_percent_encodes_non_ascii_and_spaces() {
        let r = Redirect::see_other("https://example.com/café au lait?q=✓").unwrap();
        let want = "https://example.com/caf%C3%A9%20au%20lait?q=%E2%9C%93";
        assert_eq!(r.location(), want);
        let resp = r.into_response();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()[header::LOCATION], want);
    }

    #[test]
    fn invalid_redirect_is_a_500_that_hides_the_location() {
        let resp = Redirect::permanent("/x\nsecret").into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        match resp.into_body() {
            Body::Full(b) => assert!(!String::from_utf8_lossy(&b).contains("secret")),
            other => panic!("unexpected body {other:?}"),
        }
    }
}
