//! The value types of a conformance file that need their own TOML reading: bodies and header
//! values ([`Text`]), request headers ([`Headers`]) and expected headers ([`HeaderExpect`]).
//! Each error says what was expected, and the TOML reader adds the line.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::pattern::{Bindings, Unbound};

/// The largest body or header a `{ repeat, count }` may make (128 MiB).
pub const MAX_REPEAT_BYTES: usize = 128 << 20;

/// A body or header value: `"text"` (placeholders allowed), `{ base64 = "..." }` for bytes,
/// or `{ repeat = "x", count = N }` for `x` N times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// Text, with placeholders.
    Plain(String),
    /// Bytes, decoded from base64.
    Bytes(Vec<u8>),
    /// `text` repeated `count` times.
    Repeat {
        /// What is repeated.
        text: String,
        /// How many times.
        count: usize,
    },
}

impl Text {
    /// The placeholder-bearing string, when this is text.
    pub fn plain(&self) -> Option<&str> {
        match self {
            Text::Plain(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes to send or store, placeholders in text replaced from `bindings`.
    pub fn bytes(&self, bindings: &Bindings) -> Result<Vec<u8>, Unbound> {
        Ok(match self {
            Text::Plain(s) => bindings.substitute(s)?.into_bytes(),
            Text::Bytes(b) => b.clone(),
            Text::Repeat { text, count } => text.repeat(*count).into_bytes(),
        })
    }

    /// Short description for reports: text as it is, bytes and repeats summarised.
    pub fn describe(&self) -> String {
        match self {
            Text::Plain(s) => s.clone(),
            Text::Bytes(b) => format!("{} bytes (base64 {})", b.len(), STANDARD.encode(b)),
            Text::Repeat { text, count } => format!("{text:?} x {count}"),
        }
    }
}

const TEXT_FORMS: &str =
    "a string, { base64 = \"...\" } for bytes, or { repeat = \"x\", count = N }";

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(TEXT_FORMS)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text::Plain(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        let (mut b64, mut repeat, mut count) = (None::<String>, None::<String>, None::<usize>);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "base64" => b64 = Some(map.next_value()?),
                "repeat" => repeat = Some(map.next_value()?),
                "count" => count = Some(map.next_value()?),
                other => {
                    return Err(de::Error::custom(format!(
                        "unknown key `{other}`: expected {TEXT_FORMS}"
                    )))
                }
            }
        }
        match (b64, repeat, count) {
            (Some(b), None, None) => STANDARD
                .decode(b.trim())
                .map(Text::Bytes)
                .map_err(|e| de::Error::custom(format!("`base64` is not valid base64 ({e})"))),
            (None, Some(text), Some(count)) => {
                if text.is_empty() || text.len().saturating_mul(count) > MAX_REPEAT_BYTES {
                    return Err(de::Error::custom(format!(
                        "`repeat` must be non-empty and make at most {MAX_REPEAT_BYTES} bytes"
                    )));
                }
                Ok(Text::Repeat { text, count })
            }
            _ => Err(de::Error::custom(format!("expected {TEXT_FORMS}"))),
        }
    }
}

/// Request headers: `{ name = "value" }`, `{ name = ["v1", "v2"] }` for a header sent
/// several times, in the file's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, Vec<Text>)>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of header names to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    check_header_name(&name).map_err(de::Error::custom)?;
                    let TextList(values) = map.next_value()?;
                    out.push((name, values));
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A header name must be an HTTP token.
fn check_header_name(name: &str) -> Result<(), String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!(
            "`{name}` is not a header name (letters, digits and -, no spaces or colons)"
        ));
    }
    Ok(())
}

struct TextList(Vec<Text>);

impl<'de> Deserialize<'de> for TextList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TextList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{TEXT_FORMS}, or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextList, E> {
                Ok(TextList(vec![Text::Plain(v.to_string())]))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TextList, A::Error> {
                let text = TextVisitor.visit_map(map)?;
                Ok(TextList(vec![text]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TextList, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element::<Text>()? {
                    out.push(t);
                }
                Ok(TextList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// What an answer's header must hold: one value, several values in order, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderExpect {
    /// Exactly these values, in order (each a pattern).
    Values(Vec<String>),
    /// The header is absent (`name = false`).
    Absent,
}

/// Expected headers, in the file's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectHeaders(pub Vec<(String, HeaderExpect)>);

impl<'de> Deserialize<'de> for ExpectHeaders {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ExpectHeaders;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of header names to expected values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExpectHeaders, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    check_header_name(&name).map_err(de::Error::custom)?;
                    out.push((name.to_ascii_lowercase(), map.next_value::<HeaderExpect>()?));
                }
                Ok(ExpectHeaders(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for HeaderExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderExpect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value, a list of values in order, or false for an absent header")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderExpect, E> {
                Ok(HeaderExpect::Values(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<HeaderExpect, E> {
                if v {
                    Err(E::custom(
                        "`true` is not an expected value: write \"{*}\" for a header that must be present with any value, false for one that must be absent",
                    ))
                } else {
                    Ok(HeaderExpect::Absent)
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderExpect, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                Ok(HeaderExpect::Values(out))
            }
        }
        d.deserialize_any(V)
    }
}
