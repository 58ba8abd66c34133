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
    /// A nested router's prefix is not usable.
    #[error(
        "cannot nest a router at `{prefix}`: {reason}; give a path such as `/api` (it may hold \
         parameters, not a catch-all)"
    )]
    InvalidPrefix {
        /// The prefix given to `nest`.
        prefix: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two fallbacks for the same paths (a router and a router merged into it).
    #[error(
        "two fallback handlers for `{scope}`: the router and a router merged or nested into it \
         each have one; keep one of the two"
    )]
    TwoFallbacks {
        /// The paths both fallbacks cover (`/*` for the whole router).
        scope: String,
    },
    /// A handler reads shared state that the router never registers.
    #[error(
        "route `{method} {route}` reads `State<{state}>`, but no state of that type is \
         registered; add `.with_state(value)` of type `{state}` to the router (or take \
         `Option<State<{state}>>`)"
    )]
    MissingState {
        /// The method (`ANY` or `fallback` for those handlers).
        method: String,
        /// The pattern.
        route: String,
        /// The state's type.
        state: &'static str,
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
