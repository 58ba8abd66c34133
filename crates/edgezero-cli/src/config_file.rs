//! The app's config entries file (`[stores.config].file`): TOML flattened to dotted keys.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use toml_edit::{ImDocument, Item, Value};

/// Reads a TOML file and flattens nested tables into `(dotted.key, value)` pairs, sorted by
/// key. Strings are taken as they are; numbers, booleans and dates as written; arrays as JSON.
/// Two entries that flatten to the same dotted key (`"a.b" = 1` and `[a] b = 2`) are an
/// error naming both lines.
pub fn load(path: &Path) -> Result<Vec<(String, String)>> {
    Ok(load_entries(path)?
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect())
}

/// One flattened entry and the line it is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The dotted key.
    pub key: String,
    /// The value as it is pushed.
    pub value: String,
    /// The 1-based line of the key in the file (0 when unknown).
    pub line: usize,
}

/// [`load`], keeping each entry's line.
pub fn load_entries(path: &Path) -> Result<Vec<Entry>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let lines = LineIndex::new(&text);
    let flat = {
        let doc = ImDocument::parse(text.as_str()).map_err(|e| {
            let line = e.span().map_or(1, |s| lines.line(s.start));
            anyhow::anyhow!("{}:{line}: {}", path.display(), e.message().trim())
        })?;
        let mut flat = Vec::new();
        flatten_table("", doc.as_table(), &mut flat);
        flat
    };
    let mut seen: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (key, value, offset) in flat {
        let line = offset.map_or(0, |o| lines.line(o));
        if let Some((first, _)) = seen.get(&key) {
            bail!(
                "{file}:{line}: config key `{key}` is already set at {file}:{first}; a dotted key and a nested table give the same key, keep one of them",
                file = path.display(),
                key = key.escape_debug()
            );
        }
        if let Err(rule) = edgezero_core::store::validate::key(&key) {
            bail!(
                "{}:{line}: config key `{}` is not a valid store key: {rule}",
                path.display(),
                key.escape_debug()
            );
        }
        seen.insert(key, (line, value));
    }
    Ok(seen
        .into_iter()
        .map(|(key, (line, value))| Entry { key, value, line })
        .collect())
}

/// Where each line of a text starts, so a byte offset becomes a line number by binary search.
///
/// The text is scanned once: counting the newlines before each entry instead would make a
/// file of n entries cost n scans of it.
struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        #[cfg(test)]
        tests::count_scanned(text.len());
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line holding byte `offset` (the last line for offsets past the end).
    fn line(&self, offset: usize) -> usize {
        #[cfg(test)]
        tests::count_scanned(usize::BITS as usize - self.starts.len().leading_zeros() as usize);
        self.starts.partition_point(|&start| start <= offset)
    }
}

type Flat = Vec<(String, String, Option<usize>)>;

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn flatten_table(prefix: &str, table: &dyn toml_edit::TableLike, out: &mut Flat) {
    for (k, item) in table.iter() {
        let key = join(prefix, k);
        let offset = table
            .key(k)
            .and_then(|key| key.span())
            .or_else(|| item.span())
            .map(|s| s.start);
        match item {
            Item::Table(t) => flatten_table(&key, t, out),
            Item::Value(v) => flatten_value(key, v, offset, out),
            Item::ArrayOfTables(a) => {
                let json: Vec<serde_json::Value> = a.iter().map(table_to_json).collect();
                out.push((key, serde_json::Value::Array(json).to_string(), offset));
            }
            Item::None => {}
        }
    }
}

fn flatten_value(key: String, v: &Value, offset: Option<usize>, out: &mut Flat) {
    let text = match v {
        Value::InlineTable(t) => return flatten_table(&key, t, out),
        Value::String(s) => s.value().clone(),
        Value::Integer(i) => i.value().to_string(),
        Value::Float(f) => f.value().to_string(),
        Value::Boolean(b) => b.value().to_string(),
        Value::Datetime(d) => d.value().to_string(),
        Value::Array(_) => value_to_json(v).to_string(),
    };
    out.push((key, text, offset));
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::String(s) => serde_json::Value::String(s.value().clone()),
        Value::Integer(i) => (*i.value()).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f.value())
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Boolean(b) => (*b.value()).into(),
        Value::Datetime(d) => serde_json::Value::String(d.value().to_string()),
        Value::Array(a) => a.iter().map(value_to_json).collect(),
        Value::InlineTable(t) => t
            .iter()
            .map(|(k, v)| (k.to_string(), value_to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

fn table_to_json(t: &toml_edit::Table) -> serde_json::Value {
    t.iter()
        .filter_map(|(k, item)| {
            let v = match item {
                Item::Value(v) => value_to_json(v),
                Item::Table(t) => table_to_json(t),
                Item::ArrayOfTables(a) => a.iter().map(table_to_json).collect(),
                Item::None => return None,
            };
            Some((k.to_string(), v))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Bytes and line starts examined by [`LineIndex`] on this thread.
        static SCANNED: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count_scanned(n: usize) {
        SCANNED.with(|c| c.set(c.get() + n));
    }

    #[test]
    fn line_index_agrees_with_counting_newlines() {
        for text in [
            "",
            "a",
            "a\n",
            "\n\n",
            "a = 1\r\nb = 2\r\n",
            "x\n\ny = 2\nz",
        ] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let naive = text[..offset.min(text.len())].matches('\n').count() + 1;
                assert_eq!(index.line(offset), naive, "{text:?} at {offset}");
            }
        }
    }

    /// A file of n entries used to be scanned from its start once per entry (quadratic:
    /// 10,000 entries took seconds, a million never finished). Its lines are now found with
    /// one scan of the file and a binary search per entry.
    #[test]
    fn a_large_file_is_scanned_once_for_its_lines() {
        let n = 20_000;
        let text: String = (0..n)
            .map(|i| format!("\"key.{i:05}\" = \"value-{i}\"\n"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, &text).unwrap();
        SCANNED.with(|c| c.set(0));
        let entries = load_entries(&p).unwrap();
        let scanned = SCANNED.with(Cell::get);
        assert_eq!(entries.len(), n);
        assert_eq!((entries[0].line, entries[n - 1].line), (1, n));
        assert!(entries.iter().enumerate().all(|(i, e)| e.line == i + 1));
        // One pass over the text, then at most ~log2(lines) probes per entry.
        let bound = text.len() + n * (usize::BITS as usize - n.leading_zeros() as usize + 1);
        assert!(
            scanned <= bound,
            "{scanned} units of work for {n} entries ({} bytes); bound {bound}",
            text.len()
        );
    }

    #[test]
    fn flattens_nested_tables() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "greeting = \"hi\"\n[service]\ntimeout_ms = 2500\nretry = true\n[service.limits]\nrates = [1, 2]\n").unwrap();
        assert_eq!(
            load(&p).unwrap(),
            vec![
                ("greeting".to_string(), "hi".to_string()),
                ("service.limits.rates".to_string(), "[1,2]".to_string()),
                ("service.retry".to_string(), "true".to_string()),
                ("service.timeout_ms".to_string(), "2500".to_string()),
            ]
        );
    }

    #[test]
    fn the_same_dotted_key_twice_is_an_error_naming_both_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "\"a.b\" = 1\n\n[a]\nb = 2\n").unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(
            err.contains("c.toml:4:") && err.contains("c.toml:1"),
            "{err}"
        );
        assert!(err.contains("`a.b`"), "{err}");
        std::fs::write(&p, "x = { y = 1 }\n\"x.y\" = 2\n").unwrap();
        assert!(load(&p).is_err());
        std::fs::write(&p, "[[list]]\nn = 1\n[[list]]\nn = 2\n").unwrap();
        assert_eq!(
            load(&p).unwrap(),
            vec![("list".to_string(), "[{\"n\":1},{\"n\":2}]".to_string())]
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "a = 1\nb = \n").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("c.toml:2"));
    }
}
