//! Extractors that read the request head only: the client's address, the host, the matched
//! route, values set by middleware.

use std::net::IpAddr;

use std::sync::Arc;

use http::header;

use super::{FromRequestParts, OptionalFromRequestParts};
use crate::context::RequestContext;
use crate::error::EdgeError;

/// The address of the client that sent the request, on every platform.
///
/// Each adapter fills it from what its platform knows — the native server from the TCP
/// peer, the Spin adapter from the `spin-client-addr` header the Spin runtime sets — and
/// removes the platform's own request headers before the app sees the request, so an app
/// never reads a platform header itself.
///
/// The address is the one the platform saw: behind a proxy of your own it is the proxy's.
/// `Option<ClientAddr>` is `None` when the adapter could not tell (a platform that does not
/// say, or a request built by hand in a test); `ClientAddr` then answers `500`.
///
/// ```
/// use edgezero_core::extract::ClientAddr;
///
/// async fn whoami(ClientAddr(ip): ClientAddr) -> String {
///     ip.to_string()
/// }
/// # let _ = edgezero_core::Router::new().get("/whoami", whoami);
/// ```
///
/// Adapters (and tests) set it as a request extension:
/// `request.extensions_mut().insert(ClientAddr(ip))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts for ClientAddr {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.extensions()
            .get::<ClientAddr>()
            .copied()
            .ok_or_else(|| {
                EdgeError::internal(
                    "the platform adapter supplied no client address; \
                 take Option<ClientAddr> where it may be unknown",
                )
            })
    }
}

/// `None` when the adapter supplied no client address.
impl OptionalFromRequestParts for ClientAddr {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        Ok(ctx.extensions().get::<ClientAddr>().copied())
    }
}

/// The host the client addressed: the `Host` header, or the URI's authority when the
/// request has no `Host` header (an HTTP/2 request, or a platform that puts it in the URI).
/// It includes the port when the client sent one (`example.com:8080`).
///
/// `Host` answers `400` when neither is present; `Option<Host>` is `None` then. The value is
/// whatever the client sent: compare it with a list of your own hosts before trusting it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host(pub String);

fn host(ctx: &RequestContext) -> Option<Host> {
    let from_header = ctx
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty());
    from_header
        .or_else(|| ctx.uri().authority().map(|a| a.as_str()))
        .map(|h| Host(h.to_string()))
}

impl FromRequestParts for Host {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        host(ctx).ok_or_else(|| {
            EdgeError::bad_request("the request names no host (no Host header, no authority)")
        })
    }
}

/// `None` when the request names no host.
impl OptionalFromRequestParts for Host {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        Ok(host(ctx))
    }
}

/// The pattern of the route that matched, e.g. `/users/{id}` (the full pattern when the
/// route is in a nested router): a label for metrics and logs that does not grow with the
/// number of distinct paths.
///
/// In a handler it is always there. In middleware it is `None` before routing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatchedPath(pub Arc<str>);

impl MatchedPath {
    /// The pattern.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromRequestParts for MatchedPath {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.matched_route
            .clone()
            .map(MatchedPath)
            .ok_or_else(|| EdgeError::internal("MatchedPath was read before routing"))
    }
}

/// `None` before routing.
impl OptionalFromRequestParts for MatchedPath {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        Ok(ctx.matched_route.clone().map(MatchedPath))
    }
}

/// A value that middleware put in the request's extensions, cloned.
///
/// ```
/// use edgezero_core::extract::Extension;
/// use edgezero_core::{Next, RequestContext, Response, Router};
///
/// #[derive(Clone)]
/// struct User(String);
///
/// async fn authenticate(mut ctx: RequestContext, next: Next) -> Response {
///     ctx.extensions_mut().insert(User("ada".into()));
///     next.run(ctx).await
/// }
///
/// async fn me(Extension(User(name)): Extension<User>) -> String {
///     name
/// }
///
/// let router = Router::new().get("/me", me).layer(authenticate);
/// # let _ = router;
/// ```
///
/// A missing value is a `500` naming the type (the middleware that sets it is not in the
/// route's chain); `Option<Extension<T>>` is `None` then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extension<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequestParts for Extension<T> {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        ctx.extensions()
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| {
                EdgeError::internal(format!(
                    "no request extension of type {}: no middleware in this route's chain inserts \
                 one (ctx.extensions_mut().insert(..))",
                    std::any::type_name::<T>()
                ))
            })
    }
}

/// `None` when no middleware inserted a `T`.
impl<T: Clone + Send + Sync + 'static> OptionalFromRequestParts for Extension<T> {
    async fn from_request_parts_optional(
        ctx: &mut RequestContext,
    ) -> Result<Option<Self>, EdgeError> {
        Ok(ctx.extensions().get::<T>().cloned().map(Extension))
    }
}

/// The cookies the client sent (`Cookie` headers), by name.
///
/// Values are as sent (no percent-decoding); a pair without `=` is skipped; when a name
/// comes twice, [`Cookies::get`] gives the first, as browsers send the most specific first.
/// A request without cookies gives an empty set.
///
/// ```
/// use edgezero_core::extract::Cookies;
///
/// async fn theme(cookies: Cookies) -> String {
///     cookies.get("theme").unwrap_or("light").to_string()
/// }
/// # let _ = edgezero_core::Router::new().get("/theme", theme);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cookies(Vec<(String, String)>);

impl Cookies {
    /// Parses the `Cookie` headers of `headers`.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let mut pairs = Vec::new();
        for value in headers.get_all(header::COOKIE) {
            let text = String::from_utf8_lossy(value.as_bytes());
            for pair in text.split(';') {
                if let Some((name, value)) = pair.split_once('=') {
                    let name = name.trim();
                    if !name.is_empty() {
                        pairs.push((name.to_string(), value.trim().to_string()));
                    }
                }
            }
        }
        Cookies(pairs)
    }

    /// The value of cookie `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `(name, value)` pair, in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of cookies.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the client sent no cookie.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromRequestParts for Cookies {
    async fn from_request_parts(ctx: &mut RequestContext) -> Result<Self, EdgeError> {
        Ok(Cookies::from_headers(ctx.headers()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_several_headers_and_skip_junk() {
        let mut headers = http::HeaderMap::new();
        headers.append(header::COOKIE, "a=1; b = two ;junk; =x".parse().unwrap());
        headers.append(header::COOKIE, "a=3;c=".parse().unwrap());
        let cookies = Cookies::from_headers(&headers);
        assert_eq!(cookies.get("a"), Some("1"));
        assert_eq!(cookies.get("b"), Some("two"));
        assert_eq!(cookies.get("c"), Some(""));
        assert_eq!(cookies.get("junk"), None);
        assert_eq!(cookies.len(), 4);
    }
}
