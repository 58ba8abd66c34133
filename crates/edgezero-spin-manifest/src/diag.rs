//! Load errors that name the file, the line and column, and the key.
//!
//! The position and key lookup is `edgezero_manifest::TomlSource`, shared with
//! `edgezero.toml` parsing; this adds the helpers the Spin files need.

use std::ops::{Deref, Range};
use std::path::Path;

use edgezero_manifest::TomlSource;

/// A problem with `spin.toml` or `runtime-config.toml`, found while loading.
pub use edgezero_manifest::ManifestError as LoadError;

/// One TOML source text: maps byte offsets to positions and key paths.
pub(crate) struct Source<'a>(TomlSource<'a>);

impl<'a> Deref for Source<'a> {
    type Target = TomlSource<'a>;

    fn deref(&self) -> &TomlSource<'a> {
        &self.0
    }
}

impl<'a> Source<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Source(TomlSource::new(file, text))
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

    /// Converts a TOML syntax or schema error.
    pub fn toml(&self, err: &toml::de::Error) -> LoadError {
        let message = err.message().trim().to_string();
        self.error(err.span(), None, message)
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
