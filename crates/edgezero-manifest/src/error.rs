//! Errors in TOML files that name the file, the line and column, and the key.
//!
//! Used for `edgezero.toml`, and reused for `spin.toml` and `runtime-config.toml` by the
//! CLI and the embedded Spin host.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A problem in a TOML file (`edgezero.toml`, `spin.toml`, `runtime-config.toml`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The file, as given to the loader.
    pub file: PathBuf,
    /// 1-based line, when the problem has a position.
    pub line: Option<usize>,
    /// 1-based column, when the problem has a position.
    pub column: Option<usize>,
    /// The dotted key, e.g. `stores.kv.default`.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ManifestError {
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

impl std::error::Error for ManifestError {}

impl ManifestError {
    /// An error about a whole file (no position).
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        ManifestError {
            file: file.to_path_buf(),
            line: None,
            column: None,
            key: None,
            message: message.into(),
        }
    }
}

/// One TOML source text: maps byte offsets to positions and to the dotted key there.
pub struct TomlSource<'a> {
    /// The file, for messages.
    pub file: &'a Path,
    /// The text.
    pub text: &'a str,
    doc: Option<toml_edit::ImDocument<&'a str>>,
}

impl<'a> TomlSource<'a> {
    /// Wraps the text of `file`.
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        TomlSource {
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

    /// An error at `span`, naming `key` (or the key found at that position).
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> ManifestError {
        let (line, column) = match &span {
            Some(s) => {
                let (l, c) = self.line_col(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let key = key.or_else(|| span.and_then(|s| self.key_at(s)));
        ManifestError {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            message: message.into(),
        }
    }

    /// The span of the key at the dotted `path` (through tables and inline tables).
    pub fn key_span(&self, path: &[&str]) -> Option<Range<usize>> {
        let doc = self.doc.as_ref()?;
        let (last, parents) = path.split_last()?;
        let mut table: &dyn toml_edit::TableLike = doc.as_table();
        for p in parents {
            table = table.get(p)?.as_table_like()?;
        }
        table.key(last).and_then(|k| k.span())
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
        if find_in_item(item, span, path) {
            return true;
        }
        if covers(key_span, span) || covers(item.span(), span) {
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
                path.push(key.to_string());
                if covers(value.span(), span) {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => false,
    }
}
