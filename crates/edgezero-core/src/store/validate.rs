//! Input rules shared by every backend, checked once in the store handles.

use std::time::Duration;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest value, in bytes (25 MiB).
pub const MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;
/// Shortest TTL accepted by `put_bytes_with_ttl`.
pub const MIN_TTL: Duration = Duration::from_secs(60);
/// Longest TTL accepted by `put_bytes_with_ttl` (365 days).
pub const MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// Largest page a listing may ask for.
pub const MAX_PAGE_LIMIT: usize = 1000;

/// Checks a key: non-empty, at most 512 bytes, no control characters, not `.` or `..`.
pub fn key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("key must not be empty".into());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "key is {} bytes long; the limit is {MAX_KEY_BYTES} bytes",
            key.len()
        ));
    }
    if key == "." || key == ".." {
        return Err(format!("key must not be `{key}`"));
    }
    if has_control(key) {
        return Err("key must not contain control characters".into());
    }
    Ok(())
}

/// Checks a listing prefix: may be empty, otherwise the key rules on length and characters.
pub fn prefix(prefix: &str) -> Result<(), String> {
    if prefix.len() > MAX_KEY_BYTES {
        return Err(format!(
            "prefix is {} bytes long; the limit is {MAX_KEY_BYTES} bytes",
            prefix.len()
        ));
    }
    if has_control(prefix) {
        return Err("prefix must not contain control characters".into());
    }
    Ok(())
}

/// Whether `s` holds a control character (`char::is_control`: U+0000–U+001F and
/// U+007F–U+009F), looking at bytes rather than decoding characters: in UTF-8 those are the
/// bytes below 0x20, 0x7F, and 0xC2 followed by 0x80–0x9F (0xC2 only ever starts a
/// character).
fn has_control(s: &str) -> bool {
    let bytes = s.as_bytes();
    // Almost every key has none of these bytes: one cheap pass, then the exact look.
    if !bytes.iter().any(|&b| b < 0x20 || b == 0x7f || b == 0xc2) {
        return false;
    }
    bytes.iter().enumerate().any(|(i, &b)| {
        b < 0x20 || b == 0x7f || (b == 0xc2 && matches!(bytes.get(i + 1), Some(0x80..=0x9f)))
    })
}

/// Checks a value's size.
pub fn value(len: usize) -> Result<(), String> {
    if len > MAX_VALUE_BYTES {
        return Err(format!(
            "value is {len} bytes long; the limit is {MAX_VALUE_BYTES} bytes"
        ));
    }
    Ok(())
}

/// Checks a TTL: between 60 seconds and one year.
pub fn ttl(ttl: Duration) -> Result<(), String> {
    if ttl < MIN_TTL || ttl > MAX_TTL {
        return Err(format!(
            "ttl must be between {} and {} seconds, got {}",
            MIN_TTL.as_secs(),
            MAX_TTL.as_secs(),
            ttl.as_secs()
        ));
    }
    Ok(())
}

/// Checks a page limit: 1 to 1000.
pub fn page_limit(limit: usize) -> Result<(), String> {
    if limit == 0 || limit > MAX_PAGE_LIMIT {
        return Err(format!(
            "page limit must be between 1 and {MAX_PAGE_LIMIT}, got {limit}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules() {
        assert!(key("a").is_ok());
        assert!(key("user:42/profile.json").is_ok());
        assert!(key(&"k".repeat(512)).is_ok());
        for bad in ["", ".", "..", "a\nb", "tab\there", "\u{7f}"] {
            assert!(key(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(key(&"k".repeat(513)).unwrap_err().contains("512"));
    }

    #[test]
    fn control_characters_are_found_as_char_is_control_finds_them() {
        // Every character up to U+0800 (all of the one- and two-byte encodings, where the
        // control characters are) and samples above, alone and between other characters.
        let samples = (0..0x800u32)
            .chain([0x2028, 0xfeff, 0xfffd, 0x1_f600, 0x10_ffff])
            .filter_map(char::from_u32);
        for c in samples {
            for s in [c.to_string(), format!("a{c}é"), format!("\u{c2}{c}")] {
                assert_eq!(
                    has_control(&s),
                    s.chars().any(char::is_control),
                    "{s:?} (U+{:04X})",
                    c as u32
                );
            }
        }
        assert!(key("a\u{85}b").is_err(), "U+0085 is a control character");
        assert!(key("\u{a0}\u{c0}").is_ok());
    }

    #[test]
    fn ttl_bounds() {
        assert!(ttl(Duration::from_secs(59)).is_err());
        assert!(ttl(Duration::from_secs(60)).is_ok());
        assert!(ttl(MAX_TTL).is_ok());
        assert!(ttl(MAX_TTL + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn page_limit_bounds() {
        assert!(page_limit(0).is_err());
        assert!(page_limit(1).is_ok());
        assert!(page_limit(1000).is_ok());
        assert!(page_limit(1001).is_err());
    }

    #[test]
    fn value_bound() {
        assert!(value(MAX_VALUE_BYTES).is_ok());
        assert!(value(MAX_VALUE_BYTES + 1).is_err());
    }
}
