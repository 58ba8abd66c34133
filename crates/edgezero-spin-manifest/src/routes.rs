//! Spin's HTTP routes (`/exact`, `/prefix/...`, `/users/:id`) and the `spin-*` request
//! headers a matched route produces.

use std::net::SocketAddr;

use http::{HeaderMap, HeaderName, HeaderValue};

/// One `route` of a `[[trigger.http]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    raw: String,
    segments: Vec<Segment>,
    wildcard: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// Why a route cannot be parsed; the message quotes the route and shows a valid one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The route does not start with `/`.
    #[error("route `{0}` must start with `/` (e.g. `/{0}` or `/...`)")]
    NoLeadingSlash(String),
    /// `...` before the last segment.
    #[error("route `{0}`: `...` may only end a route (e.g. `/prefix/...`)")]
    WildcardNotLast(String),
    /// `:name` with an empty or invalid name.
    #[error("route `{raw}`: `:{name}` must name the segment with letters, digits or `_` (e.g. `/users/:id`)")]
    BadParam {
        /// The route as written.
        raw: String,
        /// The parameter name after `:`.
        name: String,
    },
}

impl Route {
    /// Parses a route as written in spin.toml. The error says what is wrong with it.
    pub fn parse(raw: &str) -> Result<Route, RouteError> {
        let Some(rest) = raw.strip_prefix('/') else {
            return Err(RouteError::NoLeadingSlash(raw.to_string()));
        };
        let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let mut segments = Vec::with_capacity(parts.len());
        let mut wildcard = false;
        for (i, part) in parts.iter().enumerate() {
            if *part == "..." {
                if i + 1 != parts.len() {
                    return Err(RouteError::WildcardNotLast(raw.to_string()));
                }
                wildcard = true;
            } else if let Some(name) = part.strip_prefix(':') {
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(RouteError::BadParam {
                        raw: raw.to_string(),
                        name: name.to_string(),
                    });
                }
                segments.push(Segment::Param(name.to_string()));
            } else {
                segments.push(Segment::Literal(part.to_string()));
            }
        }
        Ok(Route {
            raw: raw.to_string(),
            segments,
            wildcard,
        })
    }

    /// The route as written.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Whether the route ends with `/...`.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// The route without its trailing `/...` (Spin's `spin-component-route`).
    pub fn prefix(&self) -> &str {
        if self.wildcard {
            self.raw
                .trim_end_matches('/')
                .trim_end_matches("...")
                .trim_end_matches('/')
        } else {
            &self.raw
        }
    }

    /// The normalised form, used to find duplicate routes.
    fn key(&self) -> String {
        let mut key: String = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => format!("/{l}"),
                Segment::Param(_) => "/:".to_string(),
            })
            .collect();
        if self.wildcard {
            key.push_str("/...");
        }
        key
    }

    /// Matches a request path (without query).
    pub fn matches(&self, path: &str) -> Option<RouteMatch> {
        let mut rest = path;
        let mut params = Vec::new();
        for segment in &self.segments {
            let after = rest.strip_prefix('/')?;
            let end = after.find('/').unwrap_or(after.len());
            let part = &after[..end];
            match segment {
                Segment::Literal(l) if l == part => {}
                Segment::Param(name) if !part.is_empty() => {
                    params.push((name.clone(), part.to_string()));
                }
                _ => return None,
            }
            rest = &after[end..];
        }
        if self.wildcard {
            Some(RouteMatch {
                params,
                path_info: rest.to_string(),
            })
        } else if rest.is_empty() || rest == "/" {
            Some(RouteMatch {
                params,
                path_info: String::new(),
            })
        } else {
            None
        }
    }

    /// How specific the route is, compared lexicographically: literal segments beat
    /// parameters, an exact end beats a wildcard, and a longer prefix beats a shorter one.
    fn specificity(&self) -> Vec<u8> {
        let mut rank: Vec<u8> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(_) => 2,
                Segment::Param(_) => 1,
            })
            .collect();
        rank.push(if self.wildcard { 0 } else { 3 });
        rank
    }
}

/// What a route captured from a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// `:name` segments, in order.
    pub params: Vec<(String, String)>,
    /// The part of the path matched by a trailing `...` (`spin-path-info`).
    pub path_info: String,
}

/// Every HTTP route of the app.
#[derive(Debug, Default)]
pub struct Router {
    routes: Vec<(Route, String)>,
}

impl Router {
    /// Builds the router. A route given twice keeps the later component, as Spin does; the
    /// returned warnings name both.
    pub fn build(routes: impl IntoIterator<Item = (Route, String)>) -> (Router, Vec<String>) {
        let mut router = Router::default();
        let mut warnings = Vec::new();
        for (route, component) in routes {
            if let Some(i) = router
                .routes
                .iter()
                .position(|(r, _)| r.key() == route.key())
            {
                let (old, old_component) = router.routes.remove(i);
                warnings.push(format!(
                    "route `{}` of component `{old_component}` is a duplicate of `{}` of component `{component}` and will never be used",
                    old.raw(),
                    route.raw()
                ));
            }
            router.routes.push((route, component));
        }
        (router, warnings)
    }

    /// The most specific route matching `path`, with its component id.
    pub fn route(&self, path: &str) -> Option<(&Route, &str, RouteMatch)> {
        self.routes
            .iter()
            .filter_map(|(r, c)| r.matches(path).map(|m| (r, c.as_str(), m)))
            .max_by(|a, b| a.0.specificity().cmp(&b.0.specificity()))
    }

    /// The routes, in declaration order.
    pub fn routes(&self) -> impl Iterator<Item = (&Route, &str)> {
        self.routes.iter().map(|(r, c)| (r, c.as_str()))
    }
}

/// Sets the headers Spin adds to every request it routes to a component (and removes any
/// a client sent under those names).
pub fn set_spin_headers(
    headers: &mut HeaderMap,
    path_and_query: &str,
    route: &Route,
    matched: &RouteMatch,
    client: SocketAddr,
) {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let stale: Vec<HeaderName> = headers
        .keys()
        .filter(|k| k.as_str().starts_with("spin-"))
        .cloned()
        .collect();
    for name in stale {
        headers.remove(name);
    }
    let mut set = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    };
    set("spin-full-url", &format!("http://{host}{path_and_query}"));
    set("spin-path-info", &matched.path_info);
    set("spin-matched-route", route.raw());
    set("spin-base-path", "/");
    set("spin-raw-component-route", route.raw());
    set("spin-component-route", route.prefix());
    set("spin-client-addr", &client.to_string());
    for (name, value) in &matched.params {
        set(
            &format!("spin-path-match-{}", name.to_ascii_lowercase()),
            value,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        Router::build(
            routes
                .iter()
                .map(|(r, c)| (Route::parse(r).unwrap(), c.to_string())),
        )
        .0
    }

    fn target(router: &Router, path: &str) -> Option<String> {
        router.route(path).map(|(_, c, _)| c.to_string())
    }

    #[test]
    fn exact_prefix_and_params() {
        let r = router(&[
            ("/...", "root"),
            ("/api/...", "api"),
            ("/api/users/...", "users"),
            ("/api/health", "health"),
            ("/items/:id", "item"),
        ]);
        assert_eq!(target(&r, "/").as_deref(), Some("root"));
        assert_eq!(target(&r, "/other/x").as_deref(), Some("root"));
        assert_eq!(target(&r, "/api").as_deref(), Some("api"));
        assert_eq!(target(&r, "/api/x").as_deref(), Some("api"));
        assert_eq!(target(&r, "/api/users/7").as_deref(), Some("users"));
        assert_eq!(target(&r, "/api/health").as_deref(), Some("health"));
        assert_eq!(target(&r, "/api/health/x").as_deref(), Some("api"));
        assert_eq!(target(&r, "/items/42").as_deref(), Some("item"));
        assert_eq!(target(&r, "/items/42/more").as_deref(), Some("root"));
        let only_exact = router(&[("/hello", "h")]);
        assert_eq!(target(&only_exact, "/hello/").as_deref(), Some("h"));
        assert_eq!(target(&only_exact, "/hello/x"), None);
        assert_eq!(target(&only_exact, "/"), None);
    }

    #[test]
    fn literal_beats_param() {
        let r = router(&[("/users/:id", "param"), ("/users/me", "me")]);
        assert_eq!(target(&r, "/users/me").as_deref(), Some("me"));
        assert_eq!(target(&r, "/users/5").as_deref(), Some("param"));
    }

    #[test]
    fn headers_match_spin() {
        let route = Route::parse("/foo/:userid/...").unwrap();
        let m = route.matches("/foo/42/bar").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", "fermyon.dev".parse().unwrap());
        headers.insert("spin-path-info", "forged".parse().unwrap());
        set_spin_headers(
            &mut headers,
            "/foo/42/bar?k=v",
            &route,
            &m,
            "127.0.0.1:8777".parse().unwrap(),
        );
        let h = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_string();
        assert_eq!(h("spin-full-url"), "http://fermyon.dev/foo/42/bar?k=v");
        assert_eq!(h("spin-path-info"), "/bar");
        assert_eq!(headers.get_all("spin-path-info").iter().count(), 1);
        assert_eq!(h("spin-matched-route"), "/foo/:userid/...");
        assert_eq!(h("spin-base-path"), "/");
        assert_eq!(h("spin-raw-component-route"), "/foo/:userid/...");
        assert_eq!(h("spin-component-route"), "/foo/:userid");
        assert_eq!(h("spin-client-addr"), "127.0.0.1:8777");
        assert_eq!(h("spin-path-match-userid"), "42");
        let root = Route::parse("/...").unwrap();
        assert_eq!(root.prefix(), "");
        assert_eq!(root.matches("/a/b").unwrap().path_info, "/a/b");
    }

    #[test]
    fn bad_routes_and_duplicates() {
        assert!(Route::parse("foo")
            .unwrap_err()
            .to_string()
            .contains("must start with `/`"));
        assert!(Route::parse("/a/.../b")
            .unwrap_err()
            .to_string()
            .contains("may only end"));
        assert!(Route::parse("/a/:").is_err());
        let (r, warnings) = Router::build([
            (Route::parse("/a/:x").unwrap(), "one".to_string()),
            (Route::parse("/a/:y").unwrap(), "two".to_string()),
        ]);
        assert_eq!(target(&r, "/a/1").as_deref(), Some("two"));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`one`"), "{}", warnings[0]);
    }
}
