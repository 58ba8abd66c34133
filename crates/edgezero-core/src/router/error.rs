//! Why a route could not be added, reported by [`Router::try_build`](super::Router::try_build).

use std::fmt;

use http::Method;

/// One route the router refused. Each message names the route(s) and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// Two patterns match the same paths and differ only in their parameter names.
    #[error(
        "route `{method} {route}` conflicts with `{existing}`: the two patterns match the same \
         paths and differ only in parameter names; use the same names in both (register \
         `{method}` on `{existing}`)"
    )]
    ParameterNames {
        /// The method being registered.
        method: Method,
        /// The pattern being registered.
        route: String,
        /// The pattern registered earlier.
        existing: String,
    },
    /// Two patterns would compete for the same paths (e.g. `{id}` and `{*rest}` in one place).
    #[error(
        "route `{method} {route}` conflicts with `{existing}`: both can match the same path at \
         the same position; use the same parameter (and name) in both, or make a static segment \
         differ"
    )]
    Conflict {
        /// The method being registered.
        method: Method,
        /// The pattern being registered.
        route: String,
        /// The pattern registered earlier, as the matcher reports it.
        existing: String,
    },
    /// The pattern itself is malformed.
    #[error(
        "route `{route}` is not a valid pattern: {reason}; write a parameter as `{{name}}` (one \
         per segment, optionally after static text), a catch-all as `{{*name}}` at the end, and \
         a literal brace as `{{{{` or `}}}}`"
    )]
    Invalid {
        /// The pattern being registered.
        route: String,
        /// What the matcher objected to.
        reason: String,
    },
    /// The same method was registered twice on one pattern.
    #[error("route `{method} {route}` is registered twice; remove one of the two handlers")]
    DuplicateMethod {
        /// The method.
        method: Method,
        /// The pattern.
        route: String,
    },
}

/// Every route a router refused, returned by [`Router::try_build`](super::Router::try_build).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterError {
    errors: Vec<RouteError>,
}

impl RouterError {
    pub(crate) fn new(errors: Vec<RouteError>) -> Self {
        RouterError { errors }
    }

    /// The refused routes, in registration order.
    pub fn errors(&self) -> &[RouteError] {
        &self.errors
    }
}

impl fmt::Display for RouterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [one] => write!(f, "invalid router: {one}"),
            many => {
                write!(f, "invalid router: {} routes were refused", many.len())?;
                for e in many {
                    write!(f, "\n  - {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RouterError {}
