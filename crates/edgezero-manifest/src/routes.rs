//! Route patterns checked the way the router will check them at startup, so a route table
//! that `matchit` would refuse is a manifest error with a line, not a panic later.

use edgezero_route_pattern::{invalid_reason, shape};
use toml::Spanned;

use crate::error::TomlSource;
use crate::ManifestError;

/// The routes seen so far: each distinct pattern once, with where it was declared.
#[derive(Default)]
pub struct RouteTable {
    matcher: matchit::Router<usize>,
    declared: Vec<Declared>,
}

struct Declared {
    pattern: String,
    key: String,
    line: usize,
}

impl RouteTable {
    /// Adds the pattern of trigger `key`; a pattern already added is accepted again (one
    /// pattern may serve several methods).
    pub fn add(
        &mut self,
        src: &TomlSource,
        path: &Spanned<String>,
        key: &str,
    ) -> Result<(), ManifestError> {
        let pattern = path.get_ref();
        if self.declared.iter().any(|d| &d.pattern == pattern) {
            return Ok(());
        }
        let fail = |msg: String| Err(src.error(Some(path.span()), Some(key.to_string()), msg));
        match self.matcher.insert(pattern.as_str(), self.declared.len()) {
            Ok(()) => {}
            Err(matchit::InsertError::Conflict { with }) => {
                let new_shape = shape(pattern);
                let same_shape = self
                    .declared
                    .iter()
                    .find(|d| new_shape.is_some() && shape(&d.pattern) == new_shape);
                return fail(match same_shape {
                    Some(d) => format!(
                        "route `{pattern}` conflicts with `{}` ({}, line {}): the two patterns \
                         match the same paths and differ only in parameter names; use the same \
                         names in both, e.g. write `{}` in both triggers",
                        d.pattern, d.key, d.line, d.pattern
                    ),
                    None => {
                        let at = self
                            .declared
                            .iter()
                            .find(|d| d.pattern == with)
                            .map(|d| format!(" ({}, line {})", d.key, d.line))
                            .unwrap_or_default();
                        format!(
                            "route `{pattern}` conflicts with `{with}`{at}: both can match the \
                             same path at the same position; use the same parameter (and name) \
                             in both, or make a static segment differ"
                        )
                    }
                });
            }
            Err(e) => {
                let reason = invalid_reason(&e);
                return fail(format!(
                    "route path `{pattern}` is not a valid pattern: {reason}; write a parameter \
                     as `{{name}}` (one per segment, optionally after static text), a catch-all \
                     as `{{*name}}` at the end, and a literal brace as `{{{{` or `}}}}`"
                ));
            }
        }
        self.declared.push(Declared {
            pattern: pattern.clone(),
            key: key.to_string(),
            line: src.line_col(path.span().start).0,
        });
        Ok(())
    }
}
