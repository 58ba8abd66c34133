//! Comparing an answer with an expectation: every difference is listed (not only the
//! first), and every placeholder matched for the first time is captured.

use std::time::Duration;

use serde_json::Value;

use crate::file::{Expect, Streams};
use crate::http::Answer;
use crate::pattern::{self, as_text, Bindings};
use crate::text::{HeaderExpect, Text};

/// The marker that ends an expected JSON array whose elements may come in any order among
/// others: `["a", "b", "{...}"]` holds at least `a` and `b`.
pub const ANY_OTHERS: &str = "{...}";

/// What a comparison found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// One line per difference; empty when the answer matches.
    pub mismatches: Vec<String>,
    /// Values captured by placeholders seen for the first time.
    pub captured: Bindings,
}

/// Compares `answer` with `expect`; `bindings` are the values known so far;
/// `origin_requests` is how many requests the origin saw meanwhile (when it runs).
pub fn compare(
    expect: &Expect,
    answer: &Answer,
    bindings: &Bindings,
    origin_requests: Option<usize>,
) -> Outcome {
    let mut scope = bindings.clone();
    let mut out = Vec::new();
    if answer.status != expect.status {
        out.push(format!(
            "status: expected {}, got {}",
            expect.status, answer.status
        ));
    }
    for (name, want) in &expect.headers.0 {
        headers(name, want, &answer.header(name), &mut scope, &mut out);
    }
    if let Some(want) = &expect.body {
        body(want, &answer.body, &mut scope, &mut out);
    }
    if let Some((want, exact)) = expect
        .json
        .as_ref()
        .map(|j| (j, false))
        .or(expect.json_exact.as_ref().map(|j| (j, true)))
    {
        match serde_json::from_slice::<Value>(&answer.body) {
            Ok(got) => json(want, &got, exact, &mut scope, "$", &mut out),
            Err(e) => out.push(format!(
                "body: expected JSON, got text that is not JSON ({e})"
            )),
        }
    }
    let text = String::from_utf8_lossy(&answer.body);
    for (needle, wanted) in expect
        .body_contains
        .iter()
        .map(|n| (n, true))
        .chain(expect.body_excludes.iter().map(|n| (n, false)))
    {
        match scope.substitute(needle) {
            Ok(n) if text.contains(&n) != wanted => out.push(format!(
                "body: {} {n:?}",
                if wanted {
                    "does not contain"
                } else {
                    "contains"
                }
            )),
            Ok(_) => {}
            Err(e) => out.push(format!("body_contains/body_excludes: {e}")),
        }
    }
    if expect.complete != answer.complete {
        out.push(if expect.complete {
            format!("body: ended early, after {} bytes", answer.body.len())
        } else {
            "body: expected to be cut short, but it ended cleanly".to_string()
        });
    }
    if let Some(want) = &expect.streams {
        streams(want, answer, &scope, &mut out);
    }
    if let Some(want) = expect.origin_requests {
        match origin_requests {
            Some(got) if got == want => {}
            Some(got) => out.push(format!(
                "origin: expected {want} request(s) to reach it, {got} did"
            )),
            None => out.push("origin_requests: no origin runs ([setup] origin = true)".into()),
        }
    }
    let captured = Bindings::from_iter(
        scope
            .iter()
            .filter(|(k, _)| bindings.get(k).is_none())
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    Outcome {
        mismatches: out,
        captured,
    }
}

fn headers(
    name: &str,
    want: &HeaderExpect,
    got: &[&str],
    scope: &mut Bindings,
    out: &mut Vec<String>,
) {
    match want {
        HeaderExpect::Absent if got.is_empty() => {}
        HeaderExpect::Absent => out.push(format!("header {name}: expected none, got {got:?}")),
        HeaderExpect::Values(patterns) => {
            let matched = patterns.len() == got.len()
                && patterns
                    .iter()
                    .zip(got)
                    .all(|(p, g)| match scope.match_text(p, g) {
                        Some(new) => {
                            scope.extend(new);
                            true
                        }
                        None => false,
                    });
            if !matched {
                out.push(format!("header {name}: expected {patterns:?}, got {got:?}"));
            }
        }
    }
}

fn streams(want: &Streams, answer: &Answer, scope: &Bindings, out: &mut Vec<String>) {
    let first = match scope.substitute(&want.first) {
        Ok(first) => first,
        Err(e) => return out.push(format!("streams.first: {e}")),
    };
    let Some(arrived) = answer.arrival_of(first.as_bytes()) else {
        return out.push(format!("streams: {first:?} never arrived"));
    };
    let open = answer.ended.saturating_sub(arrived);
    if open < Duration::from_millis(want.open_ms) {
        out.push(format!(
            "streams: {first:?} arrived {} ms after the request, and the body ended {} ms later \
             (expected at least {} ms): the response was not streamed",
            arrived.as_millis(),
            open.as_millis(),
            want.open_ms
        ));
    }
}

fn body(want: &Text, got: &[u8], scope: &mut Bindings, out: &mut Vec<String>) {
    match want {
        Text::Plain(p) => match std::str::from_utf8(got) {
            Ok(text) => match scope.match_text(p, text) {
                Some(new) => scope.extend(new),
                None => out.push(format!("body: expected {p:?}, got {}", shorten(text))),
            },
            Err(_) => out.push(format!(
                "body: expected text {p:?}, got {} bytes that are not UTF-8",
                got.len()
            )),
        },
        bytes => {
            let want = bytes.bytes(scope).unwrap_or_default();
            if want != got {
                let at = want
                    .iter()
                    .zip(got)
                    .position(|(a, b)| a != b)
                    .unwrap_or(want.len().min(got.len()));
                out.push(format!(
                    "body: expected {} ({} bytes), got {} bytes, first difference at byte {at}",
                    bytes.describe(),
                    want.len(),
                    got.len()
                ));
            }
        }
    }
}

/// Matches `got` against `want` at `path` (`$`, `$.links`, `$[0]`).
pub fn json(
    want: &Value,
    got: &Value,
    exact: bool,
    scope: &mut Bindings,
    path: &str,
    out: &mut Vec<String>,
) {
    match want {
        Value::String(s) => json_string(s, got, scope, path, out),
        Value::Object(fields) => {
            let Some(actual) = got.as_object() else {
                out.push(format!("{path}: expected an object, got {}", compact(got)));
                return;
            };
            let mut keys = Vec::new();
            for (k, v) in fields {
                let key = match scope.substitute(k) {
                    Ok(key) => key,
                    Err(e) => {
                        out.push(format!("{path}: key {k:?}: {e}"));
                        continue;
                    }
                };
                match actual.get(&key) {
                    Some(g) => json(v, g, exact, scope, &format!("{path}.{key}"), out),
                    None => out.push(format!("{path}.{key}: missing (expected {})", compact(v))),
                }
                keys.push(key);
            }
            if exact {
                for extra in actual.keys().filter(|k| !keys.contains(k)) {
                    out.push(format!(
                        "{path}.{extra}: not expected (got {})",
                        compact(&actual[extra])
                    ));
                }
            }
        }
        Value::Array(items) => {
            let Some(actual) = got.as_array() else {
                out.push(format!("{path}: expected an array, got {}", compact(got)));
                return;
            };
            if items.last().and_then(Value::as_str) == Some(ANY_OTHERS) {
                contains(&items[..items.len() - 1], actual, exact, scope, path, out);
                return;
            }
            if items.len() != actual.len() {
                out.push(format!(
                    "{path}: expected {} element(s), got {}: {}",
                    items.len(),
                    actual.len(),
                    compact(got)
                ));
                return;
            }
            for (i, (w, g)) in items.iter().zip(actual).enumerate() {
                json(w, g, exact, scope, &format!("{path}[{i}]"), out);
            }
        }
        other if other == got => {}
        other => out.push(format!(
            "{path}: expected {}, got {}",
            compact(other),
            compact(got)
        )),
    }
}

fn json_string(s: &str, got: &Value, scope: &mut Bindings, path: &str, out: &mut Vec<String>) {
    match pattern::whole(s) {
        Some(None) => {}
        Some(Some(name)) => match scope.get(&name) {
            Some(v) if v == got || (v.is_string() && as_text(v) == as_text(got)) => {}
            Some(v) => out.push(format!(
                "{path}: expected {{{name}}} = {}, got {}",
                compact(v),
                compact(got)
            )),
            None => scope.insert(name, got.clone()),
        },
        None => match got.as_str() {
            Some(text) => match scope.match_text(s, text) {
                Some(new) => scope.extend(new),
                None => out.push(format!("{path}: expected {s:?}, got {}", compact(got))),
            },
            None => out.push(format!("{path}: expected {s:?}, got {}", compact(got))),
        },
    }
}

/// Each of `items` matches a different element of `actual`, in any order.
fn contains(
    items: &[Value],
    actual: &[Value],
    exact: bool,
    scope: &mut Bindings,
    path: &str,
    out: &mut Vec<String>,
) {
    let mut used = vec![false; actual.len()];
    for w in items {
        let found = actual.iter().enumerate().find_map(|(i, g)| {
            if used[i] {
                return None;
            }
            let mut trial = scope.clone();
            let mut errs = Vec::new();
            json(w, g, exact, &mut trial, path, &mut errs);
            errs.is_empty().then_some((i, trial))
        });
        match found {
            Some((i, trial)) => {
                used[i] = true;
                *scope = trial;
            }
            None => out.push(format!("{path}: no element matches {}", compact(w))),
        }
    }
}

/// A value on one line, cut at 300 characters.
pub fn compact(v: &Value) -> String {
    shorten(&v.to_string())
}

/// `s` cut at 300 characters, with how much was left out.
pub fn shorten(s: &str) -> String {
    const MAX: usize = 300;
    match s.char_indices().nth(MAX) {
        None => s.to_string(),
        Some((at, _)) => format!("{}... ({} more bytes)", &s[..at], s.len() - at),
    }
}

#[cfg(test)]
mod tests;
