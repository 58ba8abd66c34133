//! Named placeholders in the strings of a conformance file: `{name}` captures a value the
//! first time it is matched and must equal it afterwards; `{*}` accepts anything; `{{` is a
//! literal `{`. Anything else in braces (`{"a": 1}`, `{ x }`) is literal text.

use std::collections::BTreeMap;

use serde_json::Value;

/// One part of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Lit(String),
    /// `{name}`.
    Name(String),
    /// `{*}`.
    Any,
}

/// Splits `s` into literal text and placeholders.
pub fn parse(s: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('{') {
        lit.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("{{") {
            lit.push('{');
            rest = after;
            continue;
        }
        let hole = rest[1..].find('}').map(|end| &rest[1..1 + end]);
        let piece = match hole {
            Some("*") => Some(Piece::Any),
            Some(name) if is_name(name) => Some(Piece::Name(name.to_string())),
            _ => None,
        };
        match (piece, hole) {
            (Some(piece), Some(hole)) => {
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                pieces.push(piece);
                rest = &rest[hole.len() + 2..];
            }
            _ => {
                lit.push('{');
                rest = &rest[1..];
            }
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    pieces
}

/// A placeholder name: a letter or `_`, then letters, digits and `_`.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The placeholder names `s` uses, in order.
pub fn names(s: &str) -> Vec<String> {
    parse(s)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Name(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// When the whole of `s` is one placeholder: `Some(None)` for `{*}`, `Some(Some(name))` for
/// `{name}`.
pub fn whole(s: &str) -> Option<Option<String>> {
    match parse(s).as_slice() {
        [Piece::Any] => Some(None),
        [Piece::Name(n)] => Some(Some(n.clone())),
        _ => None,
    }
}

/// The values captured so far (and the runner's built-in ones, such as `{origin}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bindings(BTreeMap<String, Value>);

/// A placeholder used before any answer captured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbound(pub String);

impl std::fmt::Display for Unbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "placeholder {{{}}} has no value: no earlier answer captured it",
            self.0
        )
    }
}

impl Bindings {
    /// Binds `name`; a later [`Bindings::insert`] of the same name replaces it.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        self.0.insert(name.into(), value);
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Adds every binding of `other`.
    pub fn extend(&mut self, other: Bindings) {
        self.0.extend(other.0);
    }

    /// Whether nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bindings, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    /// `s` with every `{name}` replaced by its value; `{*}` is an error here.
    pub fn substitute(&self, s: &str) -> Result<String, Unbound> {
        let mut out = String::new();
        for piece in parse(s) {
            match piece {
                Piece::Lit(l) => out.push_str(&l),
                Piece::Name(n) => match self.0.get(&n) {
                    Some(v) => out.push_str(&as_text(v)),
                    None => return Err(Unbound(n)),
                },
                Piece::Any => return Err(Unbound("*".into())),
            }
        }
        Ok(out)
    }

    /// Matches `actual` against `pattern`: known names must equal their values, unknown
    /// ones capture. Returns the new captures, or `None` when it does not match.
    pub fn match_text(&self, pattern: &str, actual: &str) -> Option<Bindings> {
        let pieces: Vec<Hole> = parse(pattern)
            .into_iter()
            .map(|p| match p {
                Piece::Lit(l) => Hole::Lit(l),
                Piece::Name(n) => match self.0.get(&n) {
                    Some(v) => Hole::Lit(as_text(v)),
                    None => Hole::Capture(n),
                },
                Piece::Any => Hole::Any,
            })
            .collect();
        let mut captured = BTreeMap::new();
        match_from(&pieces, actual, &mut captured).then_some(Bindings(
            captured
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        ))
    }
}

impl FromIterator<(String, Value)> for Bindings {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Bindings(iter.into_iter().collect())
    }
}

/// A value as text: strings as they are, anything else as JSON.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

enum Hole {
    Lit(String),
    Capture(String),
    Any,
}

/// Backtracking match, shortest captures first (patterns and answers are short).
fn match_from(pieces: &[Hole], actual: &str, captured: &mut BTreeMap<String, String>) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return actual.is_empty();
    };
    match first {
        Hole::Lit(l) => actual
            .strip_prefix(l.as_str())
            .is_some_and(|after| match_from(rest, after, captured)),
        Hole::Capture(name) if captured.contains_key(name) => {
            let known = captured[name].clone();
            actual
                .strip_prefix(known.as_str())
                .is_some_and(|after| match_from(rest, after, captured))
        }
        hole => {
            for end in (0..=actual.len()).filter(|i| actual.is_char_boundary(*i)) {
                if let Hole::Capture(name) = hole {
                    captured.insert(name.clone(), actual[..end].to_string());
                }
                if match_from(rest, &actual[end..], captured) {
                    return true;
                }
                if let Hole::Capture(name) = hole {
                    captured.remove(name);
                }
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_finds_names_any_and_keeps_other_braces_literal() {
        assert_eq!(
            parse("/{short}?x={*}"),
            vec![
                Piece::Lit("/".into()),
                Piece::Name("short".into()),
                Piece::Lit("?x=".into()),
                Piece::Any
            ]
        );
        assert_eq!(
            parse(r#"{"a": 1} { x } {{y}"#),
            vec![Piece::Lit(r#"{"a": 1} { x } {y}"#.into())]
        );
        assert_eq!(parse("{unclosed"), vec![Piece::Lit("{unclosed".into())]);
        assert_eq!(names("{a}-{b_2}-{*}-{3x}"), vec!["a", "b_2"]);
        assert_eq!(whole("{x}"), Some(Some("x".into())));
        assert_eq!(whole("{*}"), Some(None));
        assert_eq!(whole("a{x}"), None);
    }

    #[test]
    fn substitute_uses_values_and_names_the_unbound_one() {
        let mut b = Bindings::default();
        b.insert("short", json!("abc12"));
        b.insert("views", json!(3));
        assert_eq!(b.substitute("/{short}?n={views}").unwrap(), "/abc12?n=3");
        assert_eq!(b.substitute("{{literal}").unwrap(), "{literal}");
        let err = b.substitute("/{missing}").unwrap_err();
        assert_eq!(err, Unbound("missing".into()));
        assert!(err.to_string().contains("{missing}"), "{err}");
    }

    #[test]
    fn match_text_captures_and_checks_known_values() {
        let mut b = Bindings::default();
        let got = b
            .match_text("https://{host}/p/{id}", "https://e.com/p/42")
            .unwrap();
        assert_eq!(got.get("host"), Some(&json!("e.com")));
        assert_eq!(got.get("id"), Some(&json!("42")));
        b.extend(got);
        assert!(b.match_text("{host}", "e.com").is_some());
        assert!(b.match_text("{host}", "other.com").is_none());
        assert!(b
            .match_text("text/html{*}", "text/html; charset=utf-8")
            .is_some());
        assert!(b.match_text("text/html{*}", "text/plain").is_none());
        assert!(b.match_text("exact", "exact!").is_none());
        // The same new name twice must match the same text.
        assert!(b.match_text("{x}/{x}", "a/a").is_some());
        assert!(b.match_text("{x}/{x}", "a/b").is_none());
    }

    #[test]
    fn match_text_handles_multibyte_text() {
        let b = Bindings::default();
        let got = b.match_text("h{v}o", "héllo").unwrap();
        assert_eq!(got.get("v"), Some(&json!("éll")));
    }
}
