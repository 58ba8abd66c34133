//! The router: `matchit` path matching plus per-path method tables.
//!
//! Patterns use `matchit` syntax: `/users/{id}` captures one segment, `/files/{*rest}`
//! captures the rest of the path. A path that matches with the wrong method gets `405` with
//! an `Allow` header; anything else gets a JSON `404`. Middleware sees all of these.
//!
//! ## `HEAD`
//!
//! A `HEAD` request on a path with a `GET` route and no `HEAD` route **runs the `GET`
//! handler**, then drops the body (keeping `Content-Length` when it is known). Any side
//! effect of the `GET` handler (a counter, a write, a call out) happens for `HEAD` too. Keep
//! `GET` handlers free of side effects, or register an explicit [`Router::head`] route.
//!
//! ## Invalid routes
//!
//! The builder methods never panic. A route that cannot be added (a malformed pattern, a
//! pattern that conflicts with an earlier one, such as `/items/{id}` and `/items/{item_id}`,
//! or a method registered twice) is left out and recorded; [`Router::try_build`] returns
//! every recorded problem and [`Router::build`] panics with them. The `App` that `app!`
//! generates calls `build`, so a conflict stops the process at startup with a message naming
//! both routes. A router that is dispatched without being checked answers every request
//! with a `500` and logs the problems.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::LocalBoxFuture;

use http::{header, Extensions, HeaderValue, Method};

use crate::body::Body;
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::handler::{erase, BoxHandler, Handler};
use crate::response::{Request, Response};
use crate::store::Stores;
use middleware::{Middleware, Next};

mod error;
pub mod middleware;

use crate::percent::percent_decode;
use edgezero_route_pattern::{invalid_reason, shape};
pub use error::{RouteError, RouterError};

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
    errors: Vec<RouteError>,
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
    /// A route that cannot be added is left out and recorded, never a panic; see
    /// [`Router::try_build`].
    pub fn route<H, T>(self, path: &str, method: Method, handler: H) -> Self
    where
        H: Handler<T>,
        T: 'static,
    {
        // Only the erasure is generic: the rest is compiled once, not once per handler.
        self.add(path, method, erase(handler))
    }

    fn add(mut self, path: &str, method: Method, handler: BoxHandler) -> Self {
        let inner = self.inner_mut();
        let idx = match inner.routes.iter().position(|r| &*r.pattern == path) {
            Some(idx) => idx,
            None => match inner.insert_pattern(path, &method) {
                Ok(idx) => idx,
                Err(e) => {
                    inner.errors.push(e);
                    return self;
                }
            },
        };
        let entry = &mut inner.routes[idx];
        if entry.methods.iter().any(|(m, _)| *m == method) {
            inner.errors.push(RouteError::DuplicateMethod {
                method,
                route: path.to_string(),
            });
            return self;
        }
        entry.methods.push((method.clone(), handler));
        let implied = (method == Method::GET).then_some(Method::HEAD);
        for m in std::iter::once(method).chain(implied) {
            if !entry.allow.contains(&m) {
                entry.allow.push(m);
            }
        }
        self
    }

    /// Checks the routes: the router, or every route that could not be added.
    pub fn try_build(self) -> Result<Router, RouterError> {
        if self.inner.errors.is_empty() {
            Ok(self)
        } else {
            Err(RouterError::new(self.inner.errors.clone()))
        }
    }

    /// Like [`Router::try_build`], for code that builds its router once at startup.
    ///
    /// # Panics
    /// When a route could not be added; the message names the route, the route it conflicts
    /// with, and how to fix it.
    #[track_caller]
    pub fn build(self) -> Router {
        match self.try_build() {
            Ok(router) => router,
            Err(e) => panic!("{e}"),
        }
    }

    /// Adds a `GET` route. It also answers `HEAD` (running this handler, side effects
    /// included) unless the path has its own `HEAD` route.
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
    ///
    /// Routing happens in this call; the future it returns is the handler's own (or an
    /// answer ready at once: `404`, `405`), so the request context is moved once, into the
    /// handler, not through a state machine per layer of the router.
    pub fn dispatch(&self, mut ctx: RequestContext) -> impl Future<Output = Response> + 'static {
        if !self.inner.errors.is_empty() {
            let err = RouterError::new(self.inner.errors.clone());
            return Routed::ready(
                EdgeError::internal(format!("{err}; check the router with Router::try_build"))
                    .into_response(),
            );
        }
        ctx.state.clone_from(&self.inner.state);
        if self.inner.middleware.is_empty() {
            self.inner.route(ctx)
        } else {
            let next = Next {
                router: Arc::clone(&self.inner),
                index: 0,
            };
            Routed(Step::Call(Box::pin(next.run(ctx))))
        }
    }
}

/// The future of a routed request: see [`Router::dispatch`].
pub(crate) struct Routed(Step);

enum Step {
    /// The answer, taken when the future completes.
    Ready(Option<Response>),
    /// The handler's future.
    Call(LocalBoxFuture<'static, Response>),
    /// The `GET` handler's future for a `HEAD` request: its body is dropped.
    Head(LocalBoxFuture<'static, Response>),
}

impl Routed {
    fn ready(response: Response) -> Self {
        Routed(Step::Ready(Some(response)))
    }
}

impl Future for Routed {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match &mut self.0 {
            Step::Ready(response) => Poll::Ready(response.take().unwrap_or_else(|| {
                EdgeError::internal("a routed request was polled after it completed")
                    .into_response()
            })),
            Step::Call(future) => future.as_mut().poll(cx),
            Step::Head(future) => future.as_mut().poll(cx).map(strip_body),
        }
    }
}

impl RouterInner {
    /// Adds a new pattern to the matcher, or explains why it cannot be added.
    fn insert_pattern(&mut self, path: &str, method: &Method) -> Result<usize, RouteError> {
        if !path.starts_with('/') {
            return Err(RouteError::Invalid {
                route: path.to_string(),
                reason: "a pattern must start with `/`".into(),
            });
        }
        let idx = self.routes.len();
        match self.matcher.insert(path, idx) {
            Ok(()) => {}
            Err(matchit::InsertError::Conflict { with }) => {
                let new_shape = shape(path);
                let existing = self
                    .routes
                    .iter()
                    .find(|r| new_shape.is_some() && shape(&r.pattern) == new_shape);
                return Err(match existing {
                    Some(r) => RouteError::ParameterNames {
                        method: method.clone(),
                        route: path.to_string(),
                        existing: r.pattern.to_string(),
                    },
                    None => RouteError::Conflict {
                        method: method.clone(),
                        route: path.to_string(),
                        existing: with,
                    },
                });
            }
            Err(e) => {
                return Err(RouteError::Invalid {
                    route: path.to_string(),
                    reason: invalid_reason(&e),
                });
            }
        }
        self.routes.push(RouteEntry {
            pattern: Arc::from(path),
            methods: Vec::new(),
            allow: Vec::new(),
        });
        Ok(idx)
    }

    /// Routes `ctx` and starts its handler (see [`Router::dispatch`]).
    pub(crate) fn route(&self, mut ctx: RequestContext) -> Routed {
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
                return Routed::ready(
                    EdgeError::not_found(format!("no route for {}", ctx.path())).into_response(),
                )
            }
        };
        let entry = &self.routes[idx];
        ctx.params.0 = params;
        ctx.matched_route = Some(Arc::clone(&entry.pattern));
        let method = ctx.method();
        if let Some((_, h)) = entry.methods.iter().find(|(m, _)| m == method) {
            return Routed(Step::Call(h.call(ctx)));
        }
        if method == Method::HEAD {
            if let Some((_, h)) = entry.methods.iter().find(|(m, _)| *m == Method::GET) {
                return Routed(Step::Head(h.call(ctx)));
            }
        }
        Routed::ready(EdgeError::method_not_allowed(method, &entry.allow).into_response())
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

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.route_table())
            .finish()
    }
}
