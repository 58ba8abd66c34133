//! Config push into a Redis-backed label (`type = "redis"` in runtime-config.toml).
//!
//! Spin's Redis store does not namespace keys by label, so keys are written as they are.

use anyhow::{Context, Result};

/// Writes every entry in one MULTI/EXEC transaction.
pub fn push(url: &str, entries: &[(String, String)]) -> Result<usize> {
    let client = redis::Client::open(url).with_context(|| format!("invalid Redis URL `{url}`"))?;
    let mut conn = client
        .get_connection_with_timeout(std::time::Duration::from_secs(10))
        .with_context(|| {
            format!("cannot connect to Redis at {url}; is the server running and reachable?")
        })?;
    let mut pipe = redis::pipe();
    pipe.atomic();
    for (k, v) in entries {
        pipe.set(k, v).ignore();
    }
    pipe.query::<()>(&mut conn)
        .with_context(|| format!("Redis transaction at {url} failed; nothing was written"))?;
    Ok(entries.len())
}
