//! A KV item's expiry, kept in its metadata: the KV Store's own time to live removes an
//! item only eventually (Fastly deletes it up to a day later, and Viceroy's stores are
//! reloaded without it by `edgezero serve`), so every read checks this time instead.

use std::time::Duration;

/// What an item's metadata starts with when it expires.
const PREFIX: &str = "edgezero-expires-ms=";

/// The metadata of an item written now (`now`, since the Unix epoch) with `ttl`.
pub fn metadata(now: Duration, ttl: Duration) -> String {
    format!("{PREFIX}{}", (now + ttl).as_millis())
}

/// The KV Store's time to live for `ttl`: whole seconds, rounded up.
pub fn platform_ttl(ttl: Duration) -> Duration {
    Duration::from_secs(ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0))
}

/// Whether an item with `metadata` has expired at `now`. Metadata that is not an expiry
/// (written by something else) never expires.
pub fn expired(metadata: Option<&[u8]>, now: Duration) -> bool {
    let Some(text) = metadata.and_then(|m| std::str::from_utf8(m).ok()) else {
        return false;
    };
    match text
        .strip_prefix(PREFIX)
        .and_then(|ms| ms.parse::<u128>().ok())
    {
        Some(at) => now.as_millis() >= at,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_expires_at_its_time_and_not_before() {
        let now = Duration::from_secs(1_700_000_000);
        let meta = metadata(now, Duration::from_secs(60));
        assert!(!expired(Some(meta.as_bytes()), now));
        assert!(!expired(
            Some(meta.as_bytes()),
            now + Duration::from_millis(59_999)
        ));
        assert!(expired(
            Some(meta.as_bytes()),
            now + Duration::from_secs(60)
        ));
        assert!(!expired(None, now));
        assert!(!expired(Some(b"something else"), now));
    }

    #[test]
    fn platform_ttls_are_whole_seconds_rounded_up() {
        assert_eq!(
            platform_ttl(Duration::from_millis(60_001)),
            Duration::from_secs(61)
        );
        assert_eq!(
            platform_ttl(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
    }
}
