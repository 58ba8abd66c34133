//! The app's config entries file (`[stores.config].file`): TOML flattened to dotted keys.

use std::path::Path;

use anyhow::{bail, Context, Result};
use toml::Value;

/// Reads a TOML file and flattens nested tables into `(dotted.key, value)` pairs, sorted by
/// key. Strings are taken as they are; numbers, booleans and dates as written; arrays as JSON.
pub fn load(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(1);
        anyhow::anyhow!("{}:{line}: {}", path.display(), e.message())
    })?;
    let mut out = Vec::new();
    flatten("", &table, &mut out);
    out.sort();
    for (key, _) in &out {
        if let Err(rule) = edgezero_core::store::validate::key(key) {
            bail!(
                "{}: config key `{key}` is not a valid store key: {rule}",
                path.display()
            );
        }
    }
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Table(t) => flatten(&key, t, out),
            Value::String(s) => out.push((key, s.clone())),
            Value::Integer(i) => out.push((key, i.to_string())),
            Value::Float(f) => out.push((key, f.to_string())),
            Value::Boolean(b) => out.push((key, b.to_string())),
            Value::Datetime(d) => out.push((key, d.to_string())),
            Value::Array(_) => out.push((key, toml_to_json(v).to_string())),
        }
    }
}

fn toml_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Integer(i) => (*i).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Boolean(b) => (*b).into(),
        Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        Value::Array(a) => a.iter().map(toml_to_json).collect(),
        Value::Table(t) => t
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn syntax_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "a = 1\nb = \n").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("c.toml:2"));
    }
}
