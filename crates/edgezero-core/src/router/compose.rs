//! Composition: a router nested under a prefix, or merged into another.

use std::sync::Arc;

use super::error::RouteError;
use super::middleware::wrap;
use super::table::{Methods, Route};
use super::{Router, RouterInner};

/// The catch-all that carries a nested router's fallback under its prefix.
const FALLBACK_PARAM: &str = "{*__fallback}";

impl Router {
    /// Serves `router`'s routes under `prefix`: its `/users/{id}` becomes
    /// `<prefix>/users/{id}` and its `/` becomes `<prefix>/` (add a route for `<prefix>` itself
    /// on the outer router if it should answer too).
    ///
    /// The nested router's middleware runs for its own routes only (and their `405`), inside
    /// the outer router's; its fallback answers the paths under `<prefix>/` that none of its routes
    /// match; its state joins the outer router's (the outer value wins when both register one
    /// type). Routes that conflict with the outer router's are reported by
    /// [`Router::try_build`], naming both.
    ///
    /// ```
    /// use edgezero_core::Router;
    ///
    /// async fn list() -> &'static str { "users" }
    /// async fn show() -> &'static str { "user" }
    ///
    /// let api = Router::new().get("/users", list).get("/users/{id}", show);
    /// let app = Router::new().nest("/api/v1", api).try_build().unwrap();
    /// let table: Vec<String> = app.route_table().into_iter().map(|(_, p)| p).collect();
    /// assert_eq!(table, ["/api/v1/users", "/api/v1/users/{id}"]);
    /// ```
    pub fn nest(mut self, prefix: &str, router: Router) -> Self {
        let trimmed = prefix.trim_end_matches('/');
        let problem = if !prefix.starts_with('/') {
            Some("a prefix must start with `/`")
        } else if trimmed.contains("{*") {
            Some("a prefix cannot hold a catch-all parameter")
        } else {
            None
        };
        if let Some(reason) = problem {
            self.inner_mut().errors.push(RouteError::InvalidPrefix {
                prefix: prefix.to_string(),
                reason: reason.to_string(),
            });
            return self;
        }
        absorb(self.inner_mut(), trimmed, &router.inner);
        self
    }

    /// Adds `router`'s routes, as they are, to this router. Its middleware runs for its own
    /// routes only; its fallback becomes this router's (two fallbacks are an error of
    /// [`Router::try_build`]); its state joins this router's.
    pub fn merge(mut self, router: Router) -> Self {
        absorb(self.inner_mut(), "", &router.inner);
        self
    }
}

/// Adds `other`'s routes under `prefix` (`""` for none) to `into`.
fn absorb(into: &mut RouterInner, prefix: &str, other: &RouterInner) {
    let behind = |route: &Route| Route {
        handler: wrap(&other.middleware, Arc::clone(&route.handler)),
        needs: route.needs.clone(),
    };
    for entry in &other.routes {
        let path = format!("{prefix}{}", entry.pattern);
        for (method, route) in &entry.methods {
            into.add(&path, Methods::One(method.clone()), behind(route));
        }
        if let Some(route) = &entry.any {
            into.add(&path, Methods::Any, behind(route));
        }
        // The pattern's `405` runs behind the same middleware as its routes.
        let scope = other
            .middleware
            .iter()
            .chain(&entry.scope)
            .cloned()
            .collect();
        into.scope(&path, scope);
    }
    into.errors.extend(other.errors.iter().cloned());
    if let Some(fallback) = &other.fallback {
        let fallback = behind(fallback);
        if prefix.is_empty() {
            if into.fallback.is_some() {
                into.errors
                    .push(RouteError::TwoFallbacks { scope: "/*".into() });
            } else {
                into.fallback = Some(fallback);
            }
        } else {
            into.add(prefix, Methods::Any, fallback.clone());
            // A nested router with its own root catch-all leaves nothing for the fallback.
            if !other.routes.iter().any(|r| r.pattern.starts_with("/{*")) {
                into.add(
                    &format!("{prefix}/{FALLBACK_PARAM}"),
                    Methods::Any,
                    fallback,
                );
            }
        }
    }
    join_state(into, other);
    if into.renderer.is_none() {
        into.renderer.clone_from(&other.renderer);
    }
}

/// `other`'s state joins `into`'s; `into`'s value wins for a type both register.
fn join_state(into: &mut RouterInner, other: &RouterInner) {
    let Some(theirs) = &other.state else {
        return;
    };
    let mut joined = (**theirs).clone();
    if let Some(ours) = &into.state {
        joined.extend((**ours).clone());
    }
    into.state = Some(Arc::new(joined));
    for id in &other.state_types {
        if !into.state_types.contains(id) {
            into.state_types.push(*id);
        }
    }
}
