//! The one copy of EdgeZero's route pattern rules, used by `edgezero-core`'s router (when
//! routes are added in Rust) and by `edgezero-manifest` (when `edgezero.toml` is checked),
//! so both refuse the same patterns with the same words.
//!
//! Patterns use matchit's syntax: `{name}` for one segment, `{*name}` for the rest of the
//! path, `{{` / `}}` for literal braces.

#![warn(missing_docs)]

/// The pattern with every parameter name removed (`/items/{id}` → `/items/{}`,
/// `/files/{*rest}` → `/files/{*}`), or `None` when the braces do not balance (matchit
/// reports those itself). Two patterns with the same shape match the same paths, so a
/// conflict between them is only a difference in parameter names.
pub fn shape(pattern: &str) -> Option<String> {
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

/// Why matchit refused a pattern for a reason other than a conflict, in words a user can act on.
pub fn invalid_reason(error: &matchit::InsertError) -> String {
    match error {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_ignore_parameter_names() {
        assert_eq!(shape("/items/{id}"), shape("/items/{item_id}"));
        assert_eq!(shape("/f/{*rest}").as_deref(), Some("/f/{*}"));
        assert_ne!(shape("/items/{id}"), shape("/items/{*id}"));
        assert_eq!(shape("/{{x}}").as_deref(), Some("/{{x}}"));
        assert_eq!(shape("/{x"), None);
        assert_eq!(shape("/x}"), None);
    }

    #[test]
    fn reasons_say_what_to_write() {
        let mut m = matchit::Router::new();
        let e = m.insert("/a/{*rest}/b", ()).unwrap_err();
        assert!(invalid_reason(&e).contains("last segment"), "{e:?}");
    }
}
