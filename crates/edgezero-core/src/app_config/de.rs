//! Deserialises config entries (dotted keys, string values) into a typed struct.
//!
//! The entries form a tree: `service.timeout_ms = "2500"` is the value `"2500"` at
//! `service` → `timeout_ms`. A table deserialises as a struct or map; a value is parsed as
//! the type asks for it (`"2500"` as a number, `"true"` as a bool); arrays, arrays of tables
//! and enums with data are JSON, which is how `edgezero config push` writes them. Every
//! error carries the dotted key it is about.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

/// A node of the entry tree: a value, entries below it, or (rarely) both.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub value: Option<String>,
    /// The value was replaced by a secret's: never show it in a message.
    pub secret: bool,
    pub children: BTreeMap<String, Node>,
}

impl Node {
    pub fn from_entries(entries: impl IntoIterator<Item = (String, String)>) -> Node {
        let mut root = Node::default();
        for (key, value) in entries {
            let mut node = &mut root;
            for segment in key.split('.') {
                node = node.children.entry(segment.to_string()).or_default();
            }
            node.value = Some(value);
        }
        root
    }

    pub fn get_mut(&mut self, dotted: &str) -> Option<&mut Node> {
        dotted
            .split('.')
            .try_fold(self, |node, segment| node.children.get_mut(segment))
    }

    /// Removes the value at `dotted`, and the node itself when nothing is below it.
    pub fn remove_value(&mut self, dotted: &str) {
        let (parent, last) = match dotted.rsplit_once('.') {
            Some((parent, last)) => (self.get_mut(parent), last),
            None => (Some(self), dotted),
        };
        let Some(parent) = parent else { return };
        if let Some(node) = parent.children.get_mut(last) {
            node.value = None;
            if node.children.is_empty() {
                parent.children.remove(last);
            }
        }
    }
}

/// Joins a table's key and an entry's key with a dot.
pub fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// A deserialisation error and the dotted key it is about.
#[derive(Debug)]
pub(crate) struct DeError {
    pub key: Option<String>,
    field: Option<String>,
    pub missing: bool,
    pub message: String,
}

impl Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: Display>(msg: T) -> Self {
        DeError {
            key: None,
            field: None,
            missing: false,
            message: msg.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        DeError {
            field: Some(field.to_string()),
            missing: true,
            ..Self::custom("is missing")
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError {
            field: Some(field.to_string()),
            ..Self::custom(format_args!(
                "is not a field of the config type (its fields: {})",
                expected.join(", ")
            ))
        }
    }
}

impl DeError {
    /// Pins the error to a key: the field it names below `path`, or `path` itself.
    fn at(mut self, path: &str) -> Self {
        if self.key.is_none() {
            self.key = Some(match self.field.take() {
                Some(field) => join_key(path, &field),
                None => path.to_string(),
            });
        }
        self
    }
}

/// Deserialises one node; `path` is its dotted key (empty at the root).
pub(crate) struct NodeDe<'a> {
    node: &'a Node,
    path: String,
}

impl<'a> NodeDe<'a> {
    pub fn root(node: &'a Node) -> Self {
        NodeDe {
            node,
            path: String::new(),
        }
    }

    fn value(&self) -> Result<&'a str, DeError> {
        match &self.node.value {
            Some(v) => Ok(v),
            None => Err(de::Error::custom(
                "is a table (there are entries below it), not a value",
            )),
        }
    }

    fn shown(&self) -> String {
        match (&self.node.value, self.node.secret) {
            (_, true) => "the secret's value".to_string(),
            (Some(v), false) => format!("`{}`", v.escape_debug()),
            (None, false) => "a table".to_string(),
        }
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, DeError> {
        self.value()?
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(format_args!("expected {what}, found {}", self.shown())))
    }

    /// Reads the value as JSON with `read` (e.g. `|d| d.deserialize_any(visitor)`).
    fn json<T>(
        &self,
        what: &str,
        read: impl FnOnce(
            &mut serde_json::Deserializer<serde_json::de::StrRead<'a>>,
        ) -> serde_json::Result<T>,
    ) -> Result<T, DeError> {
        let text = self.value()?;
        let mut json = serde_json::Deserializer::from_str(text);
        let out = read(&mut json).and_then(|v| json.end().map(|()| v));
        out.map_err(|e| {
            if self.node.secret {
                de::Error::custom(format_args!("expected {what}"))
            } else {
                de::Error::custom(format_args!("expected {what} (written as JSON): {e}"))
            }
        })
    }

    fn is_table(&self) -> bool {
        !self.node.children.is_empty()
    }

    fn table<V: Visitor<'a>>(&self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(Entries {
            iter: self.node.children.iter(),
            pending: None,
            path: self.path.clone(),
        })
    }
}

macro_rules! number {
    ($($method:ident => $visit:ident($ty:ty, $what:literal);)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
            let n: $ty = self.parse($what).map_err(|e: DeError| e.at(&self.path))?;
            visitor.$visit(n).map_err(|e: DeError| e.at(&self.path))
        }
    )*};
}

impl<'a> de::Deserializer<'a> for NodeDe<'a> {
    type Error = DeError;

    number! {
        deserialize_i8 => visit_i64(i64, "an integer");
        deserialize_i16 => visit_i64(i64, "an integer");
        deserialize_i32 => visit_i64(i64, "an integer");
        deserialize_i64 => visit_i64(i64, "an integer");
        deserialize_i128 => visit_i128(i128, "an integer");
        deserialize_u8 => visit_u64(u64, "an unsigned integer");
        deserialize_u16 => visit_u64(u64, "an unsigned integer");
        deserialize_u32 => visit_u64(u64, "an unsigned integer");
        deserialize_u64 => visit_u64(u64, "an unsigned integer");
        deserialize_u128 => visit_u128(u128, "an unsigned integer");
        deserialize_f32 => visit_f64(f64, "a number");
        deserialize_f64 => visit_f64(f64, "a number");
        deserialize_bool => visit_bool(bool, "`true` or `false`");
    }

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let out = match &self.node.value {
            Some(v) if !self.is_table() => visitor.visit_str(v),
            _ => self.table(visitor),
        };
        out.map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let out = self.value().and_then(|v| {
            let mut chars = v.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => visitor.visit_char(c),
                _ => Err(de::Error::custom(format_args!(
                    "expected one character, found {}",
                    self.shown()
                ))),
            }
        });
        out.map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let out = self.value().and_then(|v| visitor.visit_str(v));
        out.map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let out = self.value().and_then(|v| visitor.visit_bytes(v.as_bytes()));
        out.map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        // A node exists only where an entry does: absent entries never reach here.
        let path = self.path.clone();
        visitor.visit_some(self).map_err(|e: DeError| e.at(&path))
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit().map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let path = self.path.clone();
        visitor
            .visit_newtype_struct(self)
            .map_err(|e: DeError| e.at(&path))
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.json("a list", |d| de::Deserializer::deserialize_any(d, visitor))
            .map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let out = if self.is_table() || self.node.value.is_none() {
            self.table(visitor)
        } else {
            self.json("a table", |d| de::Deserializer::deserialize_any(d, visitor))
        };
        out.map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let out = self.value().and_then(|v| {
            if v.trim_start().starts_with('{') {
                self.json("an enum", |d| {
                    de::Deserializer::deserialize_enum(d, name, variants, visitor)
                })
            } else {
                visitor.visit_enum(v.into_deserializer())
            }
        });
        out.map_err(|e: DeError| e.at(&self.path))
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct Entries<'a> {
    iter: std::collections::btree_map::Iter<'a, String, Node>,
    pending: Option<(&'a String, &'a Node)>,
    path: String,
}

impl<'a> MapAccess<'a> for Entries<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, node)) = self.iter.next() else {
            return Ok(None);
        };
        self.pending = Some((key, node));
        let key: de::value::StrDeserializer<'a, DeError> = key.as_str().into_deserializer();
        seed.deserialize(key)
            .map(Some)
            .map_err(|e: DeError| e.at(&self.path))
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, node) = self
            .pending
            .take()
            .ok_or_else(|| de::Error::custom("a value was asked for before its key"))?;
        seed.deserialize(NodeDe {
            node,
            path: join_key(&self.path, key),
        })
    }
}

#[cfg(test)]
mod tests;
