//! The app-wide error renderer: how every error answer looks.
//!
//! By default an error is the JSON envelope of [`EdgeError`](crate::EdgeError)
//! (`{"error": {"status", "code", "message"}}`). An app that serves pages may render errors
//! its own way — HTML for browsers, say — with [`Router::error_renderer`]. The renderer
//! sees every error answer of the app: a handler's `Err`, an extractor's rejection, the
//! router's `404` and `405`, a middleware's `EdgeError`. It does not see responses a handler
//! builds itself with an error status.
//!
//! ```
//! use edgezero_core::response::Html;
//! use edgezero_core::router::ErrorPage;
//! use edgezero_core::{IntoResponse, Response, Router};
//!
//! fn render(page: &ErrorPage<'_>) -> Response {
//!     let wants_html = page
//!         .headers
//!         .get("accept")
//!         .and_then(|v| v.to_str().ok())
//!         .is_some_and(|v| v.contains("text/html"));
//!     if !wants_html {
//!         return page.json();
//!     }
//!     Html(format!("<h1>{}</h1><p>{}</p>", page.status, page.escaped_message())).into_response()
//! }
//!
//! let router = Router::new().error_renderer(render);
//! # let _ = router;
//! ```
//!
//! The answer keeps the error's status and the headers the error carries (`Allow` of a
//! `405`, `Retry-After`, `WWW-Authenticate`), whatever the renderer returns. A `500`'s
//! message is the generic one: the internal detail is logged, never rendered.
//!
//! [`Router::error_renderer`]: crate::Router::error_renderer

use std::future::Future;

use http::{header, HeaderMap, Method, StatusCode, Uri};

use crate::error::{EdgeError, ErrorMark};
use crate::response::{IntoResponse, Response};

/// An error answer about to be sent, with the request it answers.
#[derive(Debug)]
#[non_exhaustive]
pub struct ErrorPage<'a> {
    /// The error's status.
    pub status: StatusCode,
    /// Its short machine-readable code (`not_found`, `bad_request`, ...).
    pub code: &'static str,
    /// The message that is safe to show (generic for a `500`).
    pub message: &'a str,
    /// The request's method.
    pub method: &'a Method,
    /// The request's URI.
    pub uri: &'a Uri,
    /// The request's headers (`Accept`, to choose a format).
    pub headers: &'a HeaderMap,
}

impl ErrorPage<'_> {
    /// The default JSON envelope for this error.
    pub fn json(&self) -> Response {
        EdgeError::new(self.status, self.code, self.message).into_response()
    }

    /// The message with `&`, `<`, `>`, `"` and `'` escaped, for HTML.
    pub fn escaped_message(&self) -> String {
        let mut out = String::with_capacity(self.message.len());
        for c in self.message.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }
}

/// Renders error answers; implemented for `fn(&ErrorPage) -> impl IntoResponse` and closures
/// of that shape.
pub trait ErrorRenderer: Send + Sync + 'static {
    /// The answer for `page`.
    fn render(&self, page: &ErrorPage<'_>) -> Response;
}

impl<F, R> ErrorRenderer for F
where
    F: Fn(&ErrorPage<'_>) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    fn render(&self, page: &ErrorPage<'_>) -> Response {
        (self)(page).into_response()
    }
}

/// The request head a renderer sees, kept from before the request was handled.
pub(crate) struct Head {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

impl Head {
    pub(crate) fn of(method: &Method, uri: &Uri, headers: &HeaderMap) -> Self {
        Head {
            method: method.clone(),
            uri: uri.clone(),
            headers: headers.clone(),
        }
    }
}

/// `response` itself, or — when it is an error answer — what `renderer` makes of it.
pub(crate) fn rendered(
    renderer: &dyn ErrorRenderer,
    head: &Head,
    mut response: Response,
) -> Response {
    let Some(mark) = response.extensions_mut().remove::<ErrorMark>() else {
        return response;
    };
    let page = ErrorPage {
        status: response.status(),
        code: mark.code,
        message: &mark.message,
        method: &head.method,
        uri: &head.uri,
        headers: &head.headers,
    };
    let mut out = renderer.render(&page);
    *out.status_mut() = response.status();
    let own: Vec<_> = out.headers().keys().cloned().collect();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && !own.contains(name) {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

/// `future`'s response through [`rendered`].
pub(crate) async fn render_errors(
    renderer: std::sync::Arc<dyn ErrorRenderer>,
    head: Head,
    future: impl Future<Output = Response>,
) -> Response {
    rendered(&*renderer, &head, future.await)
}
