//! Security headers with safe defaults.

use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use http::header::{self, HeaderName, HeaderValue};

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::response::Response;

/// The policy of [`SecurityHeaders::new`]: the page's own scripts, styles, images, fonts and
/// fetches only; no plugins; no framing; forms and `<base>` to the page's own origin.
pub const DEFAULT_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// One year, with sub-domains: the `Strict-Transport-Security` of [`SecurityHeaders::new`].
pub const DEFAULT_HSTS_MAX_AGE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Adds security headers to every response it wraps:
///
/// | Header | Default |
/// |---|---|
/// | `Content-Security-Policy` | [`DEFAULT_CONTENT_SECURITY_POLICY`] |
/// | `Strict-Transport-Security` | `max-age=31536000; includeSubDomains`, on HTTPS requests only |
/// | `X-Content-Type-Options` | `nosniff` |
/// | `X-Frame-Options` | `DENY` |
/// | `Referrer-Policy` | `strict-origin-when-cross-origin` |
/// | `Cross-Origin-Opener-Policy` | `same-origin` |
///
/// A header the handler set itself is left alone, so one route can loosen (or tighten) what
/// the router's layer sets. A request counts as HTTPS when its URI says `https` or its first
/// `X-Forwarded-Proto` is `https` (browsers ignore HSTS on plain HTTP anyway).
///
/// ```
/// use edgezero_core::middleware::SecurityHeaders;
///
/// let headers = SecurityHeaders::new()
///     .content_security_policy("default-src 'self'; img-src 'self' https://images.example")
///     .referrer_policy("no-referrer")
///     .without("x-frame-options"); // `frame-ancestors` in the CSP covers it
/// # let _ = edgezero_core::Router::new().layer(headers);
/// ```
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
    hsts: Option<HeaderValue>,
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self::new()
    }
}

impl SecurityHeaders {
    /// The defaults in the table above.
    pub fn new() -> Self {
        let headers = [
            (
                header::CONTENT_SECURITY_POLICY,
                DEFAULT_CONTENT_SECURITY_POLICY,
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name, HeaderValue::from_static(value)))
        .collect();
        SecurityHeaders {
            headers,
            hsts: None,
        }
        .hsts(DEFAULT_HSTS_MAX_AGE, true)
    }

    /// Sets (or replaces) a header.
    ///
    /// # Panics
    /// When `name` or `value` is not valid in a header (a bug in the app, found at start-up).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|_| panic!("SecurityHeaders: `{name}` is not a header name"));
        let value = HeaderValue::from_str(value)
            .unwrap_or_else(|_| panic!("SecurityHeaders: the value of `{name}` is not valid"));
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value));
        self
    }

    /// Leaves a header out (`strict-transport-security` included).
    pub fn without(mut self, name: &str) -> Self {
        if name.eq_ignore_ascii_case(header::STRICT_TRANSPORT_SECURITY.as_str()) {
            self.hsts = None;
        }
        self.headers
            .retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
        self
    }

    /// The `Content-Security-Policy`.
    pub fn content_security_policy(self, policy: &str) -> Self {
        self.header(header::CONTENT_SECURITY_POLICY.as_str(), policy)
    }

    /// The `Referrer-Policy`.
    pub fn referrer_policy(self, policy: &str) -> Self {
        self.header(header::REFERRER_POLICY.as_str(), policy)
    }

    /// The `X-Frame-Options` (`DENY` or `SAMEORIGIN`).
    pub fn frame_options(self, value: &str) -> Self {
        self.header(header::X_FRAME_OPTIONS.as_str(), value)
    }

    /// `Strict-Transport-Security` for HTTPS requests: `max-age` in seconds, and whether it
    /// covers sub-domains.
    pub fn hsts(mut self, max_age: Duration, include_subdomains: bool) -> Self {
        let mut value = format!("max-age={}", max_age.as_secs());
        if include_subdomains {
            value.push_str("; includeSubDomains");
        }
        self.hsts = HeaderValue::try_from(value).ok();
        self
    }
}

impl Middleware for SecurityHeaders {
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let hsts = self.hsts.clone().filter(|_| ctx.is_https());
        let set = self.clone();
        Box::pin(async move {
            let mut resp = next.run(ctx).await;
            let out = resp.headers_mut();
            for (name, value) in set.headers {
                if !out.contains_key(&name) {
                    out.insert(name, value);
                }
            }
            if let Some(hsts) = hsts {
                if !out.contains_key(header::STRICT_TRANSPORT_SECURITY) {
                    out.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
                }
            }
            resp
        })
    }
}
