//! Percent-decoding of path segments: the router's captured parameters and the reverse
//! proxy's path checks. (Pattern shapes and refusal reasons live in `edgezero-route-pattern`,
//! shared with the manifest checks.)

use std::borrow::Cow;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes; a segment that would not be valid UTF-8 is kept as written.
pub(crate) fn percent_decode(segment: &str) -> String {
    match decode_bytes(segment.as_bytes()) {
        Cow::Borrowed(_) => segment.to_string(),
        Cow::Owned(out) => String::from_utf8(out).unwrap_or_else(|_| segment.to_string()),
    }
}

/// Decodes `%XX` escapes byte by byte, whatever the bytes decode to; borrowed when there is
/// no escape to decode (a `%` not followed by two hex digits stays as it is).
pub(crate) fn decode_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.contains(&b'%') {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut decoded = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                decoded = true;
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    if decoded {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%E2%9C%93"), "✓");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%2"), "%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%ff"), "%ff");
    }

    #[test]
    fn decodes_bytes_and_borrows_when_nothing_decodes() {
        assert!(matches!(decode_bytes(b"plain"), Cow::Borrowed(_)));
        assert!(matches!(decode_bytes(b"100%"), Cow::Borrowed(_)));
        assert!(matches!(decode_bytes(b"%zz%2"), Cow::Borrowed(_)));
        assert_eq!(&*decode_bytes(b"%ff%2F"), b"\xff/");
        assert_eq!(&*decode_bytes(b"%252e"), b"%2e");
    }
}
