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

/// An input that breaks one of the store rules; the message names the rule and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    /// The key is empty.
    #[error("key must not be empty")]
    EmptyKey,
    /// The key is longer than [`MAX_KEY_BYTES`].
    #[error("key is {len} bytes long; the limit is {MAX_KEY_BYTES} bytes")]
    KeyTooLong {
        /// The key's length in bytes.
        len: usize,
    },
    /// The key is `.` or `..`.
    #[error("key must not be `{key}`")]
    DotKey {
        /// The key: `.` or `..`.
        key: &'static str,
    },
    /// The key holds a control character.
    #[error("key must not contain control characters")]
    KeyControlCharacter,
    /// The listing prefix is longer than [`MAX_KEY_BYTES`].
    #[error("prefix is {len} bytes long; the limit is {MAX_KEY_BYTES} bytes")]
    PrefixTooLong {
        /// The prefix's length in bytes.
        len: usize,
    },
    /// The listing prefix holds a control character.
    #[error("prefix must not contain control characters")]
    PrefixControlCharacter,
    /// The value is larger than [`MAX_VALUE_BYTES`].
    #[error("value is {len} bytes long; the limit is {MAX_VALUE_BYTES} bytes")]
    ValueTooLarge {
        /// The value's length in bytes.
        len: usize,
    },
    /// The TTL is outside [`MIN_TTL`]..=[`MAX_TTL`].
    #[error(
        "ttl must be between {} and {} seconds, got {secs}",
        MIN_TTL.as_secs(),
        MAX_TTL.as_secs()
    )]
    TtlOutOfRange {
        /// The TTL asked for, in whole seconds.
        secs: u64,
    },
    /// The page limit is 0 or above [`MAX_PAGE_LIMIT`].
    #[error("page limit must be between 1 and {MAX_PAGE_LIMIT}, got {limit}")]
    PageLimitOutOfRange {
        /// The limit asked for.
        limit: usize,
    },
}

/// Checks a key: non-empty, at most 512 bytes, no control characters, not `.` or `..`.
pub fn key(key: &str) -> Result<(), InvalidInput> {
    if key.is_empty() {
        return Err(InvalidInput::EmptyKey);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(InvalidInput::KeyTooLong { len: key.len() });
    }
    if key == "." {
        return Err(InvalidInput::DotKey { key: "." });
    }
    if key == ".." {
        return Err(InvalidInput::DotKey { key: ".." });
    }
    if has_control(key) {
        return Err(InvalidInput::KeyControlCharacter);
    }
    Ok(())
}

/// Checks a listing prefix: may be empty, otherwise the key rules on length and characters.
pub fn prefix(prefix: &str) -> Result<(), InvalidInput> {
    if prefix.len() > MAX_KEY_BYTES {
        return Err(InvalidInput::PrefixTooLong { len: prefix.len() });
    }
    if has_control(prefix) {
        return Err(InvalidInput::PrefixControlCharacter);
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
pub fn value(len: usize) -> Result<(), InvalidInput> {
    if len > MAX_VALUE_BYTES {
        return Err(InvalidInput::ValueTooLarge { len });
    }
    Ok(())
}

/// Checks a TTL: between 60 seconds and one year.
pub fn ttl(ttl: Duration) -> Result<(), InvalidInput> {
    if ttl < MIN_TTL || ttl > MAX_TTL {
        return Err(InvalidInput::TtlOutOfRange {
            secs: ttl.as_secs(),
        });
    }
    Ok(())
}

/// Checks a page limit: 1 to 1000.
pub fn page_limit(limit: usize) -> Result<(), InvalidInput> {
    if limit == 0 || limit > MAX_PAGE_LIMIT {
        return Err(InvalidInput::PageLimitOutOfRange { limit });
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
        assert_eq!(
            key(&"k".repeat(513)).unwrap_err().to_string(),
            "key is 513 bytes long; the limit is 512 bytes"
        );
    }

    #[test]
    fn messages_name_the_rule_and_the_limit() {
        assert_eq!(key("").unwrap_err().to_string(), "key must not be empty");
        assert_eq!(key("..").unwrap_err().to_string(), "key must not be `..`");
        assert_eq!(
            key("a\nb").unwrap_err().to_string(),
            "key must not contain control characters"
        );
        assert_eq!(
            prefix(&"p".repeat(600)).unwrap_err().to_string(),
            "prefix is 600 bytes long; the limit is 512 bytes"
        );
        assert_eq!(
            prefix("\t").unwrap_err().to_string(),
            "prefix must not contain control characters"
        );
        assert_eq!(
            value(MAX_VALUE_BYTES + 1).unwrap_err().to_string(),
            "value is 26214401 bytes long; the limit is 26214400 bytes"
        );
        assert_eq!(
            ttl(Duration::from_secs(5)).unwrap_err().to_string(),
            "ttl must be between 60 and 31536000 seconds, got 5"
        );
        assert_eq!(
            page_limit(0).unwrap_err().to_string(),
            "page limit must be between 1 and 1000, got 0"
        );
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
