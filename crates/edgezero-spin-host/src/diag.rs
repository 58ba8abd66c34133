//! Load errors that name the file, the line and column, and the key.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A problem with `spin.toml` or `runtime-config.toml`, found while loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when the problem has a position.
    pub line: Option<usize>,
    /// 1-based column, when the problem has a position.
    pub column: Option<usize>,
    /// The dotted key, e.g. `component.counter.key_value_stores`.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(line), Some(col)) = (self.line, self.column) {
            write!(f, ":{line}:{col}")?;
        }
        match &self.key {
            Some(key) => write!(f, ": `{key}`: {}", self.message),
            None => write!(f, ": {}", self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// One TOML source text: maps byte offsets to positions and key paths.
pub(crate) struct Source<'a> {
    file: &'a Path,
    text: &'a str,
    doc: Option<toml_edit::ImDocument<&'a str>>,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Source {
            file,
            text,
            doc: toml_edit::ImDocument::parse(text).ok(),
        }
    }

    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// An error at `span` naming `key` (or, without one, the key found at that position).
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> LoadError {
        let (line, column) = match &span {
            Some(s) => {
                let (l, c) = self.line_col(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let key = key.or_else(|| span.and_then(|s| self.key_at(s)));
        LoadError {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            message: message.into(),
        }
    }

    /// An error at `span` naming the key `key`.
    pub fn at(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> LoadError {
        self.error(Some(span), Some(key.into()), message)
    }

    /// An error at the key `path` (its line, when found; `fallback` otherwise).
    pub fn at_key(
        &self,
        path: &[&str],
        fallback: Range<usize>,
        message: impl Into<String>,
    ) -> LoadError {
        let span = self.key_span(path).unwrap_or(fallback);
        self.error(Some(span), Some(path.join(".")), message)
    }

    /// The span of the key at `path` (tables and inline tables).
    fn key_span(&self, path: &[&str]) -> Option<Range<usize>> {
        let doc = self.doc.as_ref()?;
        let (last, parents) = path.split_last()?;
        let mut table: &dyn toml_edit::TableLike = doc.as_table();
        for p in parents {
            table = table.get(p)?.as_table_like()?;
        }
        table.key(last).and_then(|k| k.span())
    }

    /// Converts a TOML syntax or schema error.
    pub fn toml(&self, err: &toml::de::Error) -> LoadError {
        let message = err.message().trim().to_string();
        self.error(err.span(), None, message)
    }

    /// The dotted path of the innermost key whose key or value covers `span`.
    fn key_at(&self, span: Range<usize>) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let mut path = Vec::new();
        find_in_table(doc.as_table(), &span, &mut path).then(|| path.join("."))
    }
}

fn covers(outer: Option<Range<usize>>, inner: &Range<usize>) -> bool {
    outer.is_some_and(|o| o.start <= inner.start && inner.start < o.end.max(o.start + 1))
}

fn find_in_table(table: &toml_edit::Table, span: &Range<usize>, path: &mut Vec<String>) -> bool {
    for (key, item) in table.iter() {
        let key_span = table.key(key).and_then(|k| k.span());
        path.push(key.to_string());
        if find_in_item(item, span, path) || covers(key_span, span) || covers(item.span(), span) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_item(item: &toml_edit::Item, span: &Range<usize>, path: &mut Vec<String>) -> bool {
    match item {
        toml_edit::Item::Table(t) => find_in_table(t, span, path),
        toml_edit::Item::ArrayOfTables(arr) => arr.iter().enumerate().any(|(i, t)| {
            path.push(i.to_string());
            let found = find_in_table(t, span, path);
            if !found {
                path.pop();
            }
            found
        }),
        toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) => {
            for (key, value) in t.iter() {
                let key_span = t.key(key).and_then(|k| k.span());
                path.push(key.to_string());
                if covers(key_span, span) || covers(value.span(), span) {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_keys() {
        let text = "a = 1\n[component.x]\nsource = 3\n";
        let src = Source::new(Path::new("spin.toml"), text);
        let at = text.find("3").unwrap();
        let err = src.error(Some(at..at + 1), None, "must be a string");
        assert_eq!(
            err.to_string(),
            "spin.toml:3:10: `component.x.source`: must be a string"
        );
    }

    #[test]
    fn toml_errors_keep_their_position() {
        let text = "[application]\nname = \"x\"\nnope = 1\n";
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct App {
            application: Inner,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Inner {
            name: String,
        }
        let err = toml::from_str::<App>(text).unwrap_err();
        let err = Source::new(Path::new("spin.toml"), text).toml(&err);
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("unknown field `nope`"), "{err}");
    }
}
