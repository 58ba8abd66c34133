//! The router: `matchit` path matching plus per-path method tables.
//!
//! Patterns use `matchit` syntax: `/users/{id}` captures one segment, `/files/{*rest}`
//! captures the rest of the path. A path that matches with the wrong method gets `405` with
//! an `Allow` header; any other path gets the [fallback](Router::fallback), by default a JSON
//! `404`. Middleware sees all of these.
//!
//! ## Composition
//!
//! ```
//! use edgezero_core::http::{Method, StatusCode};
//! use edgezero_core::middleware::HandlerExt;
//! use edgezero_core::{IntoResponse, Next, RequestContext, Response, Router};
//!
//! async fn ok() -> &'static str { "ok" }
//! async fn not_here() -> impl IntoResponse { (StatusCode::NOT_FOUND, "nothing here") }
//! async fn log(ctx: RequestContext, next: Next) -> Response { next.run(ctx).await }
//!
//! let admin = Router::new().get("/stats", ok).layer(log); // `log` for /admin/* only
//! let app = Router::new()
//!     .get("/", ok)
//!     .on("/items", [Method::PUT, Method::PATCH], ok) // several methods, one handler
//!     .any("/proxy/{*rest}", ok) // every method
//!     .options("/items", ok)
//!     .post("/upload", ok.layer(log)) // middleware for one route
//!     .nest("/admin", admin)
//!     .merge(Router::new().get("/health", ok))
//!     .fallback(not_here) // instead of the JSON 404
//!     .try_build()
//!     .unwrap();
//! # let _ = app;
//! ```
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
//! a method registered twice, a nested route that conflicts with an outer one, a handler
//! that reads a `State<S>` no one registers) is left out and recorded; [`Router::try_build`] returns
//! every recorded problem and [`Router::build`] panics with them. The `App` that `app!`
//! generates calls `build`, so a conflict stops the process at startup with a message naming
//! both routes. A router that is dispatched without being checked answers every request
//! with a `500` and logs the problems.

use std::any::TypeId;
use std::future::Future;
use std::sync::Arc;

use http::{Extensions, Method};

use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::extract::Needs;
use crate::handler::{erase, Handler};
use crate::response::{Request, Response};
use crate::store::Stores;
use middleware::{Middleware, Next};
use render::{render_errors, ErrorRenderer, Head};
use table::{Methods, Route, RouteEntry, Routed, Step};

mod compose;
mod error;
pub mod middleware;
mod render;
mod table;

pub use error::{RouteError, RouterError};
pub use render::ErrorPage;

/// A router's routes, middleware, state, fallback and error renderer.
#[derive(Clone, Default)]
pub(crate) struct RouterInner {
    matcher: matchit::Router<usize>,
    pub(crate) routes: Vec<RouteEntry>,
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
    pub(crate) state: Option<Arc<Extensions>>,
    pub(crate) state_types: Vec<TypeId>,
    pub(crate) fallback: Option<Route>,
    pub(crate) renderer: Option<Arc<dyn ErrorRenderer>>,
    pub(crate) errors: Vec<RouteError>,
}

/// Routes, middleware and shared state. Built once, then shared by every request.
#[derive(Clone, Default)]
pub struct Router {
    inner: Arc<RouterInner>,
}

/// The erased handler and what its extractors need.
fn route_of<H: Handler<T>, T: 'static>(handler: H) -> Route {
    let mut needs = Needs::default();
    H::needs(&mut needs);
    Route {
        handler: erase(handler),
        needs,
    }
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner_mut(&mut self) -> &mut RouterInner {
        Arc::make_mut(&mut self.inner)
    }

    fn add(mut self, path: &str, methods: Methods, route: Route) -> Self {
        self.inner_mut().add(path, methods, route);
        self
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
        self.add(path, Methods::One(method), route_of(handler))
    }

    /// Adds `handler` for each of `methods` on `path`.
    pub fn on<H, T>(self, path: &str, methods: impl IntoIterator<Item = Method>, handler: H) -> Self
    where
        H: Handler<T>,
        T: 'static,
    {
        let route = route_of(handler);
        methods.into_iter().fold(self, |router, method| {
            router.add(path, Methods::One(method), route.clone())
        })
    }

    /// Adds `handler` for every method on `path`, extension methods included. A method that
    /// has its own route on `path` goes there instead (and `HEAD` to a `GET` route), so no
    /// request to `path` is ever a `405`.
    pub fn any<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add(path, Methods::Any, route_of(handler))
    }

    /// Answers requests that no route matches (instead of the JSON `404`; a path that
    /// matches with another method still gets `405` with `Allow`). The router's middleware
    /// runs around it; its status is the handler's (return a `404` yourself).
    pub fn fallback<H: Handler<T>, T: 'static>(mut self, handler: H) -> Self {
        let inner = self.inner_mut();
        if inner.fallback.is_some() {
            inner
                .errors
                .push(RouteError::TwoFallbacks { scope: "/*".into() });
        } else {
            inner.fallback = Some(route_of(handler));
        }
        self
    }

    /// Checks the routes: the router, or every route that could not be added and every
    /// handler whose `State<S>` is not registered.
    pub fn try_build(self) -> Result<Router, RouterError> {
        let mut errors = self.inner.errors.clone();
        errors.extend(self.inner.missing_state());
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(RouterError::new(errors))
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

    /// Adds an `OPTIONS` route.
    pub fn options<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.route(path, Method::OPTIONS, handler)
    }

    /// Adds middleware around every request of this router. The first added runs first
    /// (outermost). For one route, see [`HandlerExt::layer`](middleware::HandlerExt::layer).
    pub fn layer<M: Middleware>(mut self, middleware: M) -> Self {
        self.inner_mut().middleware.push(Arc::new(middleware));
        self
    }

    /// Renders every error answer of the app (see [`ErrorPage`]); by default errors are the
    /// JSON envelope of [`EdgeError`].
    pub fn error_renderer<R: ErrorRenderer>(mut self, renderer: R) -> Self {
        self.inner_mut().renderer = Some(Arc::new(renderer));
        self
    }

    /// Registers shared state, read by the [`State`](crate::extract::State) extractor.
    pub fn with_state<S: Clone + Send + Sync + 'static>(mut self, state: S) -> Self {
        let inner = self.inner_mut();
        let mut ext = inner.state.as_deref().cloned().unwrap_or_default();
        ext.insert(state);
        inner.state = Some(Arc::new(ext));
        if !inner.state_types.contains(&TypeId::of::<S>()) {
            inner.state_types.push(TypeId::of::<S>());
        }
        self
    }

    /// Every `(method, pattern)` pair, in registration order; a route for every method
    /// shows as the method `ANY`.
    pub fn route_table(&self) -> Vec<(Method, String)> {
        let mut table = Vec::new();
        for r in &self.inner.routes {
            for (m, _) in &r.methods {
                table.push((m.clone(), r.pattern.to_string()));
            }
            if r.any.is_some() {
                table.push((Methods::Any.shown(), r.pattern.to_string()));
            }
        }
        table
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
        let head = (self.inner.renderer.as_ref()).map(|r| {
            (
                Arc::clone(r),
                Head::of(ctx.method(), ctx.uri(), ctx.headers()),
            )
        });
        let routed = if self.inner.middleware.is_empty() {
            self.inner.route(ctx)
        } else {
            let next = Next::router(Arc::clone(&self.inner));
            Routed(Step::Call(Box::pin(next.run(ctx))))
        };
        match head {
            None => routed,
            Some((renderer, head)) => {
                Routed(Step::Call(Box::pin(render_errors(renderer, head, routed))))
            }
        }
    }
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.route_table())
            .finish()
    }
}
