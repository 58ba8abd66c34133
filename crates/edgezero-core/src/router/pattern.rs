//! Route pattern helpers: comparing pattern shapes and decoding captured segments.

/// The pattern with every parameter name removed (`/items/{id}` → `/items/{}`,
/// `/files/{*rest}` → `/files/{*}`), or `None` when the braces do not balance (matchit
/// reports those itself). Two patterns with the same shape match the same paths.
pub(crate) fn shape(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push_str("{{");
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push_str("}}");
            }
            '{' => {
                let mut catch_all = false;
                let mut closed = false;
                for (i, p) in chars.by_ref().enumerate() {
                    if p == '}' {
                        closed = true;
                        break;
                    }
                    catch_all |= i == 0 && p == '*';
                }
                if !closed {
                    return None;
                }
                out.push_str(if catch_all { "{*}" } else { "{}" });
            }
            '}' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

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
    if !segment.contains('%') {
        return segment.to_string();
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_string())
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
    fn shapes_ignore_parameter_names() {
        assert_eq!(shape("/items/{id}"), shape("/items/{item_id}"));
        assert_eq!(shape("/f/{*rest}").as_deref(), Some("/f/{*}"));
        assert_ne!(shape("/items/{id}"), shape("/items/{*id}"));
        assert_eq!(shape("/{{x}}").as_deref(), Some("/{{x}}"));
        assert_eq!(shape("/{x"), None);
        assert_eq!(shape("/x}"), None);
    }
}
