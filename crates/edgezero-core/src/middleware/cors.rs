//! Cross-origin resource sharing.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::response::{IntoResponse, Response};

type OriginFn = Arc<dyn Fn(&str) -> bool + Send + Sync>;

#[derive(Clone)]
enum Origins {
    List(Vec<String>),
    Any,
    Predicate(OriginFn),
}

/// CORS for the routes it wraps: which other origins' pages may call them from a browser.
///
/// - A request whose `Origin` is allowed gets `Access-Control-Allow-Origin` (the origin
///   itself, or `*` with [`Cors::allow_any_origin`] and no credentials), plus
///   `Access-Control-Allow-Credentials` and `Access-Control-Expose-Headers` as configured.
/// - A request from an origin that is not allowed gets **no** CORS headers: the browser then
///   keeps the response from the page. It still reaches the handler (a same-origin form
///   `POST` carries an `Origin` too); guard writes with auth or CSRF checks, not with CORS.
/// - A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here, without
///   reaching a handler: `204` with the allowed methods, headers and max-age when the origin,
///   the method and every requested header are allowed, else `403` with no CORS headers.
/// - Every answer gets `Vary: Origin` (unless any origin is allowed without credentials), so
///   a cache never serves one origin's headers to another.
///
/// Nothing is allowed until you say so. Put it on the router (or a nested router) rather
/// than on one route, so that it also sees the preflight `OPTIONS` a route does not handle.
///
/// ```
/// use std::time::Duration;
/// use edgezero_core::http::Method;
/// use edgezero_core::middleware::Cors;
/// use edgezero_core::Router;
///
/// let cors = Cors::new()
///     .allow_origins(["https://app.example", "https://admin.example"])
///     .allow_methods([Method::GET, Method::POST])
///     .allow_headers(["content-type", "authorization"])
///     .allow_credentials(true)
///     .max_age(Duration::from_secs(600));
/// let router = Router::new().get("/api/hello", || async { "hi" }).layer(cors);
/// # let _ = router;
/// ```
#[derive(Clone)]
pub struct Cors {
    origins: Origins,
    methods: Vec<Method>,
    headers: Vec<HeaderName>,
    expose: Vec<HeaderName>,
    credentials: bool,
    max_age: Option<Duration>,
}

impl Default for Cors {
    fn default() -> Self {
        Self::new()
    }
}

impl Cors {
    /// No origin allowed yet; methods `GET`, `HEAD` and `POST`; the request header
    /// `content-type`; no credentials; no max-age.
    pub fn new() -> Self {
        Cors {
            origins: Origins::List(Vec::new()),
            methods: vec![Method::GET, Method::HEAD, Method::POST],
            headers: vec![header::CONTENT_TYPE],
            expose: Vec::new(),
            credentials: false,
            max_age: None,
        }
    }

    /// Allows one origin, `scheme://host[:port]` as browsers send it (compared without
    /// regard to case; a trailing `/` is ignored).
    pub fn allow_origin(self, origin: impl AsRef<str>) -> Self {
        self.allow_origins([origin])
    }

    /// Allows each of `origins` (see [`Cors::allow_origin`]); adds to the list.
    pub fn allow_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list = match self.origins {
            Origins::List(list) => list,
            _ => Vec::new(),
        };
        list.extend(origins.into_iter().map(|o| normalize(o.as_ref())));
        self.origins = Origins::List(list);
        self
    }

    /// Allows every origin. Without credentials the answer is `*`; with them, the request's
    /// own origin (browsers refuse `*` with credentials), which lets any site act with your
    /// visitors' cookies: only for APIs that are public anyway.
    pub fn allow_any_origin(mut self) -> Self {
        self.origins = Origins::Any;
        self
    }

    /// Allows the origins for which `allowed(origin)` is true (the origin as sent).
    pub fn allow_origin_fn(
        mut self,
        allowed: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.origins = Origins::Predicate(Arc::new(allowed));
        self
    }

    /// The methods a preflight allows (replaces the default list).
    pub fn allow_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// The request headers a preflight allows (replaces the default `content-type`).
    ///
    /// # Panics
    /// When a name is not a valid header name (a bug in the app, found at start-up).
    pub fn allow_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.headers = headers
            .into_iter()
            .map(|h| header_name(h.as_ref()))
            .collect();
        self
    }

    /// Response headers the page may read besides the CORS-safelisted ones.
    ///
    /// # Panics
    /// When a name is not a valid header name.
    pub fn expose_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.expose = headers
            .into_iter()
            .map(|h| header_name(h.as_ref()))
            .collect();
        self
    }

    /// Whether the page may send cookies and read the answer
    /// (`Access-Control-Allow-Credentials: true`).
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// How long a browser may cache a preflight's answer.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Whether `origin` (as sent) is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::List(list) => list.iter().any(|o| *o == normalize(origin)),
            Origins::Predicate(allowed) => allowed(origin),
        }
    }

    fn varies(&self) -> bool {
        self.credentials || !matches!(self.origins, Origins::Any)
    }

    fn allow_origin_value(&self, origin: &HeaderValue) -> HeaderValue {
        if matches!(self.origins, Origins::Any) && !self.credentials {
            HeaderValue::from_static("*")
        } else {
            origin.clone()
        }
    }

    fn preflight(&self, ctx: &RequestContext, origin: Option<&HeaderValue>) -> Response {
        let headers = ctx.headers();
        let method = headers
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok());
        let refusal = match (origin, &method) {
            (None, _) => Some("the preflight has no Origin header".to_string()),
            (Some(o), _) if !o.to_str().is_ok_and(|o| self.allows(o)) => Some(format!(
                "origin {} is not allowed",
                String::from_utf8_lossy(o.as_bytes())
            )),
            (_, None) => Some("Access-Control-Request-Method is not a method".to_string()),
            (_, Some(m)) if !self.methods.contains(m) => {
                Some(format!("method {m} is not allowed cross-origin"))
            }
            _ => requested_headers(headers)
                .find(|h| {
                    !self
                        .headers
                        .iter()
                        .any(|a| a.as_str().eq_ignore_ascii_case(h))
                })
                .map(|h| format!("request header `{h}` is not allowed cross-origin")),
        };
        let mut resp = match refusal {
            Some(why) => EdgeError::new(StatusCode::FORBIDDEN, "cors_refused", why).into_response(),
            None => {
                let mut resp = StatusCode::NO_CONTENT.into_response();
                let out = resp.headers_mut();
                if let Some(origin) = origin {
                    out.insert(
                        header::ACCESS_CONTROL_ALLOW_ORIGIN,
                        self.allow_origin_value(origin),
                    );
                }
                if self.credentials {
                    out.insert(
                        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                        HeaderValue::from_static("true"),
                    );
                }
                out.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    join(self.methods.iter().map(Method::as_str)),
                );
                if !self.headers.is_empty() {
                    out.insert(
                        header::ACCESS_CONTROL_ALLOW_HEADERS,
                        join(self.headers.iter().map(HeaderName::as_str)),
                    );
                }
                if let Some(age) = self.max_age {
                    out.insert(
                        header::ACCESS_CONTROL_MAX_AGE,
                        HeaderValue::from(age.as_secs()),
                    );
                }
                resp
            }
        };
        let out = resp.headers_mut();
        if self.varies() {
            out.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        out.append(
            header::VARY,
            HeaderValue::from_static("Access-Control-Request-Method"),
        );
        out.append(
            header::VARY,
            HeaderValue::from_static("Access-Control-Request-Headers"),
        );
        resp
    }

    fn decorate(&self, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
        if self.varies() {
            headers.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        let Some(origin) = origin else { return };
        if !origin.to_str().is_ok_and(|o| self.allows(o)) {
            return;
        }
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            self.allow_origin_value(origin),
        );
        if self.credentials {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if !self.expose.is_empty() {
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                join(self.expose.iter().map(HeaderName::as_str)),
            );
        }
    }
}

impl Middleware for Cors {
    fn call(&self, ctx: RequestContext, next: Next) -> LocalBoxFuture<'static, Response> {
        let origin = ctx.headers().get(header::ORIGIN).cloned();
        let is_preflight = ctx.method() == Method::OPTIONS
            && ctx
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if is_preflight {
            let resp = self.preflight(&ctx, origin.as_ref());
            return Box::pin(async move { resp });
        }
        let cors = self.clone();
        Box::pin(async move {
            let mut resp = next.run(ctx).await;
            cors.decorate(origin.as_ref(), resp.headers_mut());
            resp
        })
    }
}

impl std::fmt::Debug for Cors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origins: &dyn std::fmt::Debug = match &self.origins {
            Origins::List(list) => list,
            Origins::Any => &"*",
            Origins::Predicate(_) => &"<fn>",
        };
        f.debug_struct("Cors")
            .field("origins", origins)
            .field("methods", &self.methods)
            .field("headers", &self.headers)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn normalize(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn header_name(name: &str) -> HeaderName {
    HeaderName::from_bytes(name.trim().as_bytes())
        .unwrap_or_else(|_| panic!("Cors: `{name}` is not a valid header name"))
}

fn requested_headers(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("\u{0}").split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> HeaderValue {
    let joined = items.collect::<Vec<_>>().join(", ");
    HeaderValue::try_from(joined).unwrap_or_else(|_| HeaderValue::from_static(""))
}
