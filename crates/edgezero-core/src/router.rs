//! The router: `matchit` path matching plus per-path method tables.
//!
//! Patterns use `matchit` syntax: `/users/{id}` captures one segment, `/files/{*rest}`
//! captures the rest of the path. A path that matches with the wrong method gets `405` with
//! an `Allow` header; `HEAD` is answered by the `GET` handler without a body; anything else
//! gets a JSON `404`. Middleware sees all of these.

use std::sync::Arc;

use http::{header, Extensions, HeaderValue, Method};

use crate::body::Body;
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::handler::{erase, BoxHandler, Handler};
use crate::middleware::{Middleware, Next};
use crate::response::{Request, Response};
use crate::store::Stores;

/// Routes, middleware and shared state. Built once, then shared by every request.
#[derive(Clone, Default)]
pub struct Router {
    inner: Arc<RouterInner>,
}

#[derive(Clone, Default)]
pub(crate) struct RouterInner {
    matcher: matchit::Router<usize>,
    routes: Vec<RouteEntry>,
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
    state: Option<Arc<Extensions>>,
}

#[derive(Clone)]
struct RouteEntry {
    pattern: Arc<str>,
    methods: Vec<(Method, BoxHandler)>,
    allow: Vec<Method>,
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner_mut(&mut self) -> &mut RouterInner {
        Arc::make_mut(&mut self.inner)
    }

    /// Adds `handler` for `method` on `path`.
    ///
    /// # Panics
    /// When the pattern is invalid, conflicts with another pattern, or already has a handler
    /// for this method: these are programming errors that show up at startup.
    pub fn route<H, T>(mut self, path: &str, method: Method, handler: H) -> Self
    where
        H: Handler<T>,
        T: 'static,
    {
        let inner = self.inner_mut();
        let idx = match inner.matcher.at(path) {
            Ok(m) if &*inner.routes[*m.value].pattern == path => *m.value,
            _ => {
                let idx = inner.routes.len();
                if let Err(e) = inner.matcher.insert(path, idx) {
                    panic!("cannot add route `{path}`: {e}");
                }
                inner.routes.push(RouteEntry {
                    pattern: Arc::from(path),
                    methods: Vec::new(),
                    allow: Vec::new(),
                });
                idx
            }
        };
        let entry = &mut inner.routes[idx];
        if entry.methods.iter().any(|(m, _)| *m == method) {
            panic!("route `{path}` already has a handler for {method}");
        }
        entry.methods.push((method.clone(), erase(handler)));
        entry.allow.push(method.clone());
        if method == Method::GET && !entry.allow.contains(&Method::HEAD) {
            entry.allow.push(Method::HEAD);
        }
        self
    }

    /// Adds a `GET` route (also answers `HEAD`).
    pub fn get<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.route(path, Method::GET, handler)
    }

    /// Adds a `POST` route.
    pub fn post<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.route(path, Method::POST, handler)
    }

    /// Adds a `PUT` route.
    pub fn put<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.route(path, Method::PUT, handler)
    }

    /// Adds a `DELETE` route.
    pub fn delete<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.route(path, Method::DELETE, handler)
    }

    /// Adds a `PATCH` route.
    pub fn patch<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.route(path, Method::PATCH, handler)
    }

    /// Adds a `HEAD` route (overrides the automatic `HEAD` of a `GET` route).
    pub fn head<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.route(path, Method::HEAD, handler)
    }

    /// Adds middleware. The first added runs first (outermost).
    pub fn layer<M: Middleware>(mut self, middleware: M) -> Self {
        self.inner_mut().middleware.push(Arc::new(middleware));
        self
    }

    /// Registers shared state, read by the [`State`](crate::extract::State) extractor.
    pub fn with_state<S: Clone + Send + Sync + 'static>(mut self, state: S) -> Self {
        let inner = self.inner_mut();
        let mut ext = inner.state.as_deref().cloned().unwrap_or_default();
        ext.insert(state);
        inner.state = Some(Arc::new(ext));
        self
    }

    /// Every `(method, pattern)` pair, in registration order.
    pub fn route_table(&self) -> Vec<(Method, String)> {
        self.inner
            .routes
            .iter()
            .flat_map(|r| {
                r.methods
                    .iter()
                    .map(move |(m, _)| (m.clone(), r.pattern.to_string()))
            })
            .collect()
    }

    /// Handles one request.
    pub async fn handle(&self, request: Request, stores: Stores) -> Response {
        self.dispatch(RequestContext::new(request, stores)).await
    }

    /// Handles one request already wrapped in a context (adapters use this to set limits).
    pub async fn dispatch(&self, mut ctx: RequestContext) -> Response {
        ctx.state.clone_from(&self.inner.state);
        if self.inner.middleware.is_empty() {
            self.inner.route(ctx).await
        } else {
            Next {
                router: Arc::clone(&self.inner),
                index: 0,
            }
            .run(ctx)
            .await
        }
    }
}

impl RouterInner {
    pub(crate) async fn route(&self, mut ctx: RequestContext) -> Response {
        let (idx, params) = match self.matcher.at(ctx.path()) {
            Ok(m) => {
                let params: Vec<(String, String)> = m
                    .params
                    .iter()
                    .map(|(k, v)| (k.to_string(), percent_decode(v)))
                    .collect();
                (*m.value, params)
            }
            Err(_) => {
                return EdgeError::not_found(format!("no route for {}", ctx.path())).into_response()
            }
        };
        let entry = &self.routes[idx];
        ctx.params.0 = params;
        ctx.matched_route = Some(Arc::clone(&entry.pattern));
        let method = ctx.method().clone();
        if let Some((_, h)) = entry.methods.iter().find(|(m, _)| *m == method) {
            return h.call(ctx).await;
        }
        if method == Method::HEAD {
            if let Some((_, h)) = entry.methods.iter().find(|(m, _)| *m == Method::GET) {
                return strip_body(h.call(ctx).await);
            }
        }
        EdgeError::method_not_allowed(&method, &entry.allow).into_response()
    }
}

fn strip_body(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    if let Some(len) = body.size_hint() {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Response::from_parts(parts, Body::Empty)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes; a segment that would not be valid UTF-8 is kept as written.
fn percent_decode(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_string();
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_string())
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.route_table())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_escapes() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%E2%9C%93"), "✓");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%ff"), "%ff");
    }
}
