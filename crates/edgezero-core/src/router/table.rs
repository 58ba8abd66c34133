//! The route table: patterns in a `matchit` matcher, a method table per pattern, and the
//! routing of one request to its handler (or to the fallback, a `404` or a `405`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::LocalBoxFuture;
use http::{header, HeaderValue, Method};

use super::error::RouteError;
use super::middleware::{wrap, Middleware};
use super::RouterInner;
use crate::body::Body;
use crate::context::RequestContext;
use crate::error::EdgeError;
use crate::extract::Needs;
use crate::handler::{BoxHandler, ErasedHandler};
use crate::percent::percent_decode;
use crate::response::Response;
use edgezero_route_pattern::{invalid_reason, shape};

/// A handler as stored: erased, with what its extractors need from the router.
#[derive(Clone)]
pub(crate) struct Route {
    pub(crate) handler: BoxHandler,
    pub(crate) needs: Needs,
}

/// Which methods a registration covers.
#[derive(Clone)]
pub(crate) enum Methods {
    One(Method),
    Any,
}

impl Methods {
    /// The method as error messages show it (`ANY` for every method).
    pub(crate) fn shown(&self) -> Method {
        match self {
            Methods::One(m) => m.clone(),
            Methods::Any => Method::from_bytes(b"ANY").unwrap_or(Method::GET),
        }
    }
}

#[derive(Clone)]
pub(crate) struct RouteEntry {
    pub(crate) pattern: Arc<str>,
    pub(crate) methods: Vec<(Method, Route)>,
    pub(crate) any: Option<Route>,
    allow: Vec<Method>,
    /// The middleware of the nested or merged router that declared the pattern: it also
    /// runs around the pattern's `405`, as around its routes.
    pub(crate) scope: Vec<Arc<dyn Middleware>>,
}

impl RouterInner {
    /// Adds `route` for `methods` on `path`, or records why it cannot be added.
    pub(crate) fn add(&mut self, path: &str, methods: Methods, route: Route) {
        let idx = match self.routes.iter().position(|r| &*r.pattern == path) {
            Some(idx) => idx,
            None => match self.insert_pattern(path, &methods) {
                Ok(idx) => idx,
                Err(e) => return self.errors.push(e),
            },
        };
        let entry = &mut self.routes[idx];
        let taken = match &methods {
            Methods::One(m) => entry.methods.iter().any(|(have, _)| have == m),
            Methods::Any => entry.any.is_some(),
        };
        if taken {
            return self.errors.push(RouteError::DuplicateMethod {
                method: methods.shown(),
                route: path.to_string(),
            });
        }
        match methods {
            Methods::Any => entry.any = Some(route),
            Methods::One(method) => {
                entry.methods.push((method.clone(), route));
                let implied = (method == Method::GET).then_some(Method::HEAD);
                for m in std::iter::once(method).chain(implied) {
                    if !entry.allow.contains(&m) {
                        entry.allow.push(m);
                    }
                }
            }
        }
    }

    /// Adds a new pattern to the matcher, or explains why it cannot be added.
    fn insert_pattern(&mut self, path: &str, methods: &Methods) -> Result<usize, RouteError> {
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
                        method: methods.shown(),
                        route: path.to_string(),
                        existing: r.pattern.to_string(),
                    },
                    None => RouteError::Conflict {
                        method: methods.shown(),
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
            any: None,
            allow: Vec::new(),
            scope: Vec::new(),
        });
        Ok(idx)
    }

    /// Every route whose handler reads a `State<S>` that was never registered.
    pub(crate) fn missing_state(&self) -> Vec<RouteError> {
        let mut missing = Vec::new();
        let mut check = |method: String, route: &str, needs: &Needs| {
            for (id, name) in &needs.state {
                if !self.state_types.contains(id) {
                    missing.push(RouteError::MissingState {
                        method: method.clone(),
                        route: route.to_string(),
                        state: name,
                    });
                }
            }
        };
        for entry in &self.routes {
            for (m, route) in &entry.methods {
                check(m.to_string(), &entry.pattern, &route.needs);
            }
            if let Some(route) = &entry.any {
                check("ANY".into(), &entry.pattern, &route.needs);
            }
        }
        if let Some(route) = &self.fallback {
            check("fallback".into(), "*", &route.needs);
        }
        missing
    }

    /// Routes `ctx` and starts its handler (see [`Router::dispatch`](super::Router::dispatch)).
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
                return match &self.fallback {
                    Some(route) => Routed(Step::Call(route.handler.call(ctx))),
                    None => Routed::ready(
                        EdgeError::not_found(format!("no route for {}", ctx.path()))
                            .into_response(),
                    ),
                }
            }
        };
        let entry = &self.routes[idx];
        ctx.params.0 = params;
        ctx.matched_route = Some(Arc::clone(&entry.pattern));
        let method = ctx.method();
        if let Some((_, route)) = entry.methods.iter().find(|(m, _)| m == method) {
            return Routed(Step::Call(route.handler.call(ctx)));
        }
        if method == Method::HEAD {
            if let Some((_, route)) = entry.methods.iter().find(|(m, _)| *m == Method::GET) {
                return Routed(Step::Head(route.handler.call(ctx)));
            }
        }
        if let Some(route) = &entry.any {
            return Routed(Step::Call(route.handler.call(ctx)));
        }
        if entry.scope.is_empty() {
            return Routed::ready(
                EdgeError::method_not_allowed(method, &entry.allow).into_response(),
            );
        }
        let refuse = wrap(&entry.scope, Arc::new(Refuse(entry.allow.clone())));
        Routed(Step::Call(refuse.call(ctx)))
    }

    /// Gives the pattern `path`, when this router has it and no scope yet, `scope`.
    pub(crate) fn scope(&mut self, path: &str, scope: Vec<Arc<dyn Middleware>>) {
        if let Some(entry) = self.routes.iter_mut().find(|r| &*r.pattern == path) {
            if entry.scope.is_empty() {
                entry.scope = scope;
            }
        }
    }
}

/// The `405` of a pattern, as a handler, to run behind the pattern's scope.
struct Refuse(Vec<Method>);

impl ErasedHandler for Refuse {
    fn call(&self, ctx: RequestContext) -> LocalBoxFuture<'static, Response> {
        let response = EdgeError::method_not_allowed(ctx.method(), &self.0).into_response();
        Box::pin(std::future::ready(response))
    }
}

/// The future of a routed request: see [`Router::dispatch`](super::Router::dispatch).
pub(crate) struct Routed(pub(crate) Step);

pub(crate) enum Step {
    /// The answer, taken when the future completes.
    Ready(Option<Response>),
    /// The handler's future.
    Call(LocalBoxFuture<'static, Response>),
    /// The `GET` handler's future for a `HEAD` request: its body is dropped.
    Head(LocalBoxFuture<'static, Response>),
}

impl Routed {
    pub(crate) fn ready(response: Response) -> Self {
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

fn strip_body(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    if let Some(len) = body.size_hint() {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Response::from_parts(parts, Body::Empty)
}
