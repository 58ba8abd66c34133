//! Route patterns checked the way the router will check them at startup, so a route table
//! that `matchit` would refuse is a manifest error with a line, not a panic later.

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
                let reason = match e {
                    matchit::InsertError::InvalidParamSegment => {
                        "a segment may hold one parameter, and nothing may follow it".to_string()
                    }
                    matchit::InsertError::InvalidCatchAll => {
                        "a catch-all `{*name}` must be the last segment".to_string()
                    }
                    matchit::InsertError::InvalidParam => {
                        "a brace is unbalanced or a parameter has no name".to_string()
                    }
                    other => other.to_string(),
                };
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

/// The pattern with parameter names removed (`/items/{id}` → `/items/{}`), or `None` when
/// its braces do not balance. The same rule as `edgezero-core`'s router uses.
fn shape(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' if chars.peek() == Some(&c) => {
                chars.next();
                out.extend([c, c]);
            }
            '{' => {
                let mut catch_all = false;
                let mut closed = false;
                for (i, p) in chars.by_ref().enumerate() {
                    if p == '}' {
                        closed = true;
                        break;
                    }
                    catch_all |= i == 0 && p == '*';
                }
                if !closed {
                    return None;
                }
                out.push_str(if catch_all { "{*}" } else { "{}" });
            }
            '}' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}
