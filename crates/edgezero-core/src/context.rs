//! The per-request context handed to extractors, handlers and middleware.

use std::sync::Arc;

use http::request::Parts;
use http::{Extensions, HeaderMap, Method, Uri};

use crate::body::Body;
use crate::env::DEFAULT_MAX_BODY_BYTES;
use crate::response::Request;
use crate::store::Stores;

/// Path parameters captured by the router, percent-decoded, in pattern order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(pub(crate) Vec<(String, String)>);

impl PathParams {
    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All parameters as `(name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A request on its way through middleware to a handler.
pub struct RequestContext {
    parts: Parts,
    body: Option<Body>,
    pub(crate) params: PathParams,
    pub(crate) matched_route: Option<Arc<str>>,
    stores: Stores,
    body_limit: usize,
    pub(crate) state: Option<Arc<Extensions>>,
    http: Option<std::rc::Rc<dyn crate::fetch::HttpClient>>,
}

impl RequestContext {
    /// Wraps a request. Adapters pass the per-request [`Stores`] registry.
    pub fn new(request: Request, stores: Stores) -> Self {
        let (parts, body) = request.into_parts();
        Self::from_parts(parts, body, stores)
    }

    /// Like [`RequestContext::new`], from a request already taken apart (an adapter that
    /// converts the platform's request part by part need not reassemble it).
    pub fn from_parts(parts: Parts, body: Body, stores: Stores) -> Self {
        RequestContext {
            parts,
            body: Some(body),
            params: PathParams::default(),
            matched_route: None,
            stores,
            body_limit: DEFAULT_MAX_BODY_BYTES,
            state: None,
            http: None,
        }
    }

    /// Gives handlers an outbound HTTP client ([`crate::fetch::Client`]).
    pub fn with_http_client(mut self, client: std::rc::Rc<dyn crate::fetch::HttpClient>) -> Self {
        self.http = Some(client);
        self
    }

    /// The outbound HTTP client the adapter supplied, if any.
    pub fn http_client(&self) -> Option<&std::rc::Rc<dyn crate::fetch::HttpClient>> {
        self.http.as_ref()
    }

    /// Sets the largest body that extractors will read (bytes).
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request URI (path and query on most platforms).
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }

    /// The request path.
    pub fn path(&self) -> &str {
        self.parts.uri.path()
    }

    /// Whether the client reached the app over HTTPS, as far as the app can tell: the URI
    /// says `https`, or the first `X-Forwarded-Proto` does (set by the proxy in front).
    /// A client can claim the latter, so use it for what is harmless on plain HTTP (HSTS,
    /// `Secure` cookies), never to authorize.
    pub fn is_https(&self) -> bool {
        self.parts.uri.scheme_str() == Some("https")
            || self
                .parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    }

    /// The raw query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.parts.uri.query()
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// Mutable request headers (for middleware).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.parts.headers
    }

    /// Request extensions (for middleware to pass typed values to handlers).
    pub fn extensions(&self) -> &Extensions {
        &self.parts.extensions
    }

    /// Mutable request extensions.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.parts.extensions
    }

    /// The path parameters of the matched route (empty before routing).
    pub fn params(&self) -> &PathParams {
        &self.params
    }

    /// The route pattern that matched, e.g. `/kv/{key}` (none before routing or on 404).
    pub fn matched_route(&self) -> Option<&str> {
        self.matched_route.as_deref()
    }

    /// The store registry of this request.
    pub fn stores(&self) -> &Stores {
        &self.stores
    }

    /// The body limit in force.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Takes the body; later calls return `None`.
    pub fn take_body(&mut self) -> Option<Body> {
        self.body.take()
    }

    /// Puts a body in place of the current one (middleware that wraps or replaces it).
    pub fn set_body(&mut self, body: Body) {
        self.body = Some(body);
    }

    /// The request parts.
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// Reassembles the request (the body is empty if it was taken).
    pub fn into_request(self) -> Request {
        Request::from_parts(self.parts, self.body.unwrap_or_default())
    }

    pub(crate) fn state_value<S: Clone + Send + Sync + 'static>(&self) -> Option<S> {
        self.state.as_ref().and_then(|s| s.get::<S>()).cloned()
    }
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("method", &self.parts.method)
            .field("uri", &self.parts.uri)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}
