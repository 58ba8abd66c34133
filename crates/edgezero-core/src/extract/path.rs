//! A small serde deserializer over path parameters.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use crate::context::PathParams;

#[derive(Debug)]
pub(super) struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

pub(super) fn from_params<T: DeserializeOwned>(params: &PathParams) -> Result<T, Error> {
    T::deserialize(ParamsDeserializer { params })
}

struct ParamsDeserializer<'a> {
    params: &'a PathParams,
}

impl<'a> ParamsDeserializer<'a> {
    fn single(&self) -> Result<ValueDeserializer<'a>, Error> {
        match self.params.0.as_slice() {
            [(name, value)] => Ok(ValueDeserializer { name, value }),
            other => Err(Error(format!(
                "expected 1 path parameter, the route has {}",
                other.len()
            ))),
        }
    }
}

macro_rules! single_value {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.single()?.$method(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for ParamsDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(ParamsMap {
            iter: self.params.0.iter(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(ParamsSeq {
            iter: self.params.0.iter(),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        if len != self.params.len() {
            return Err(Error(format!(
                "expected {len} path parameters, the route has {}",
                self.params.len()
            )));
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    single_value!(deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_identifier deserialize_ignored_any);

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _n: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

struct ParamsMap<'a> {
    iter: std::slice::Iter<'a, (String, String)>,
    value: Option<&'a (String, String)>,
}

impl<'de> MapAccess<'de> for ParamsMap<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some(pair) => {
                self.value = Some(pair);
                seed.deserialize(pair.0.as_str().into_deserializer())
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (name, value) = self
            .value
            .take()
            .ok_or_else(|| Error("value before key".into()))?;
        seed.deserialize(ValueDeserializer { name, value })
    }
}

struct ParamsSeq<'a> {
    iter: std::slice::Iter<'a, (String, String)>,
}

impl<'de> SeqAccess<'de> for ParamsSeq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.iter.next() {
            Some((name, value)) => seed
                .deserialize(ValueDeserializer { name, value })
                .map(Some),
            None => Ok(None),
        }
    }
}

struct ValueDeserializer<'a> {
    name: &'a str,
    value: &'a str,
}

impl ValueDeserializer<'_> {
    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, Error> {
        self.value.parse().map_err(|_| {
            Error(format!(
                "`{}` must be {what}, got `{}`",
                self.name, self.value
            ))
        })
    }
}

impl ValueDeserializer<'_> {
    /// Parses an integer, telling "not a number" apart from "out of range".
    fn parse_int<T>(&self, min: T, max: T, unsigned: bool) -> Result<T, Error>
    where
        T: std::str::FromStr<Err = std::num::ParseIntError> + std::fmt::Display,
    {
        use std::num::IntErrorKind;
        self.value.parse().map_err(|e: std::num::ParseIntError| {
            let (name, value) = (self.name, self.value);
            match e.kind() {
                IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => Error(format!(
                    "`{name}` is out of range: it must be between {min} and {max}, got `{value}`"
                )),
                _ if unsigned && value.starts_with('-') => Error(format!(
                    "`{name}` must be a non-negative integer (0 to {max}), got `{value}`"
                )),
                _ => Error(format!(
                    "`{name}` must be an integer between {min} and {max}, got `{value}`"
                )),
            }
        })
    }
}

macro_rules! parse_int {
    ($($method:ident => $visit:ident, $ty:ty;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parse_int::<$ty>(<$ty>::MIN, <$ty>::MAX, <$ty>::MIN == 0)?)
        })*
    };
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident, $ty:ty, $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parse::<$ty>($what)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.value)
    }

    parse_int! {
        deserialize_i8 => visit_i8, i8;
        deserialize_i16 => visit_i16, i16;
        deserialize_i32 => visit_i32, i32;
        deserialize_i64 => visit_i64, i64;
        deserialize_i128 => visit_i128, i128;
        deserialize_u8 => visit_u8, u8;
        deserialize_u16 => visit_u16, u16;
        deserialize_u32 => visit_u32, u32;
        deserialize_u64 => visit_u64, u64;
        deserialize_u128 => visit_u128, u128;
    }

    parse_value! {
        deserialize_bool => visit_bool, bool, "true or false";
        deserialize_f32 => visit_f32, f32, "a number";
        deserialize_f64 => visit_f64, f64, "a number";
        deserialize_char => visit_char, char, "a single character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.value.into_deserializer())
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn params(pairs: &[(&str, &str)]) -> PathParams {
        PathParams(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn single_number() {
        let n: u64 = from_params(&params(&[("id", "42")])).unwrap();
        assert_eq!(n, 42);
        let err = from_params::<u64>(&params(&[("id", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`id` must be an integer between 0 and 18446744073709551615, got `x`"
        );
        let err = from_params::<u64>(&params(&[("id", "-1")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("`id` must be a non-negative integer"),
            "{err}"
        );
    }

    #[test]
    fn overflow_says_out_of_range_with_the_range() {
        let err = from_params::<u64>(&params(&[("id", "18446744073709551616")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`id` is out of range: it must be between 0 and 18446744073709551615, \
             got `18446744073709551616`"
        );
        let err = from_params::<i8>(&params(&[("n", "-129")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`n` is out of range: it must be between -128 and 127, got `-129`"
        );
        let err = from_params::<u8>(&params(&[("n", "256")])).unwrap_err();
        assert!(err.to_string().contains("between 0 and 255"), "{err}");
        let err = from_params::<i128>(&params(&[("n", &"9".repeat(40))])).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        let err = from_params::<u128>(&params(&[("n", &"9".repeat(40))])).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        for ok in ["0", "255"] {
            assert!(from_params::<u8>(&params(&[("n", ok)])).is_ok());
        }
    }

    #[test]
    fn tuple_in_order() {
        let (a, b): (String, i32) = from_params(&params(&[("name", "bob"), ("n", "-3")])).unwrap();
        assert_eq!((a.as_str(), b), ("bob", -3));
        assert!(from_params::<(String, i32, u8)>(&params(&[("a", "x"), ("b", "1")])).is_err());
    }

    #[test]
    fn struct_by_name() {
        #[derive(Deserialize)]
        struct P {
            user: String,
            post: u32,
        }
        let p: P = from_params(&params(&[("post", "7"), ("user", "ann")])).unwrap();
        assert_eq!((p.user.as_str(), p.post), ("ann", 7));
    }

    #[test]
    fn string_stays_string() {
        let s: String = from_params(&params(&[("code", "00123")])).unwrap();
        assert_eq!(s, "00123");
    }
}
