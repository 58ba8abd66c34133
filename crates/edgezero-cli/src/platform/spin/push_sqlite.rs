//! Config push into Spin's local SQLite file, in one transaction.

use std::path::Path;

use anyhow::{Context, Result};

/// Writes every entry under `label` with Spin's exact upsert, all or nothing.
pub fn push(file: &Path, label: &str, entries: &[(String, String)]) -> Result<usize> {
    let mut conn = edgezero_spin_sqlite::open(file)
        .with_context(|| format!("cannot open Spin's key-value file {}", file.display()))?;
    let rows = entries.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
    let n = edgezero_spin_sqlite::set_many(&mut conn, label, rows).with_context(|| {
        format!(
            "nothing was written to {} (the push is one transaction)",
            file.display()
        )
    })?;
    Ok(n)
}
