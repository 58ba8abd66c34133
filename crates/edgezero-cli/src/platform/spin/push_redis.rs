//! Config push into a Redis-backed label (`type = "redis"` in runtime-config.toml).
//!
//! Spin's Redis store does not namespace keys by label, so keys are written as they are.
//! The entries go in one MULTI/EXEC transaction. Redis does not roll back a transaction
//! whose individual commands fail, so every reply is checked and the report names exactly
//! which keys were written and which were not.

use anyhow::{bail, Context, Result};
use edgezero_spin_manifest::redact_url;

/// Writes every entry in one MULTI/EXEC transaction and checks each reply.
pub fn push(url: &str, entries: &[(String, String)]) -> Result<usize> {
    let shown = redact_url(url);
    let client =
        redis::Client::open(url).with_context(|| format!("invalid Redis URL `{shown}`"))?;
    let mut conn = client
        .get_connection_with_timeout(std::time::Duration::from_secs(10))
        .with_context(|| {
            format!("cannot connect to Redis at {shown}; is the server running and reachable?")
        })?;
    let mut pipe = redis::pipe();
    pipe.atomic().ignore_errors();
    for (k, v) in entries {
        pipe.set(k, v);
    }
    let replies: Vec<redis::RedisResult<redis::Value>> =
        pipe.query(&mut conn).with_context(|| {
            format!("the Redis transaction at {shown} was not executed; nothing was written")
        })?;
    check_replies(entries, &replies, &shown)
}

/// Matches each `SET` reply to its key: all OK → the count; otherwise an error that lists
/// the keys written and those not written, with Redis's reason.
fn check_replies(
    entries: &[(String, String)],
    replies: &[redis::RedisResult<redis::Value>],
    shown: &str,
) -> Result<usize> {
    if replies.len() != entries.len() {
        bail!(
            "Redis at {shown} answered {} replies for {} SET commands; check the keys with `redis-cli`",
            replies.len(),
            entries.len()
        );
    }
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for ((key, _), reply) in entries.iter().zip(replies) {
        match reply {
            Ok(_) => written.push(key.as_str()),
            Err(e) => failed.push(format!("{key:?} ({e})")),
        }
    }
    if failed.is_empty() {
        return Ok(written.len());
    }
    bail!(
        "Redis at {shown} rejected {} of {} SET commands (a Redis transaction does not roll back the others):\nnot written: {}\nwritten: {}",
        failed.len(),
        entries.len(),
        failed.join(", "),
        if written.is_empty() { "none".to_string() } else { written.join(", ") }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_replies_name_the_keys() {
        let entries = vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ];
        let ok = || Ok(redis::Value::Okay);
        assert_eq!(check_replies(&entries, &[ok(), ok()], "r").unwrap(), 2);
        let bad: redis::RedisResult<redis::Value> = Err(redis::RedisError::from((
            redis::ErrorKind::Extension,
            "OOM command not allowed",
        )));
        let err = check_replies(&entries, &[ok(), bad], "redis://***@h")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not written: \"b\"") && err.contains("written: a"),
            "{err}"
        );
        assert!(err.contains("OOM"), "{err}");
        assert!(check_replies(&entries, &[ok()], "r").is_err());
    }
}
