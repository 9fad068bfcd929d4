//! A JSON parser that rejects what canonical JSON forbids while it reads: duplicate object keys,
//! fractional numbers and integers outside `[-(2^53)+1, 2^53-1]`.

use super::{number_as_int, CanonicalJsonError, Object};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::fmt;

pub(super) fn parse(bytes: &[u8]) -> Result<Value, CanonicalJsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictSeed
        .deserialize(&mut de)
        .map_err(|e| classify(e.to_string()))?;
    de.end()
        .map_err(|e| CanonicalJsonError::Syntax(e.to_string()))?;
    Ok(value)
}

const DUPLICATE: &str = "duplicate key ";
const FLOAT: &str = "float ";
const RANGE: &str = "range ";

/// serde carries custom errors as text; turn ours back into typed errors.
fn classify(message: String) -> CanonicalJsonError {
    let strip = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .map(|rest| rest.split(" at line ").next().unwrap_or(rest).to_owned())
    };
    if let Some(key) = strip(DUPLICATE) {
        CanonicalJsonError::DuplicateKey(key)
    } else if let Some(n) = strip(FLOAT) {
        CanonicalJsonError::Float(n)
    } else if let Some(n) = strip(RANGE) {
        CanonicalJsonError::IntegerOutOfRange(n)
    } else {
        CanonicalJsonError::Syntax(message)
    }
}

fn checked<E: de::Error>(n: Number) -> Result<Value, E> {
    match number_as_int(&n) {
        Ok(_) => Ok(Value::Number(n)),
        Err(CanonicalJsonError::Float(s)) => Err(E::custom(format_args!("{FLOAT}{s}"))),
        Err(_) => Err(E::custom(format_args!("{RANGE}{n}"))),
    }
}

struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        checked(Number::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        checked(Number::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        match Number::from_f64(v) {
            Some(n) => checked(n),
            None => Err(E::custom(format_args!("{FLOAT}{v}"))),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(StrictSeed)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Object::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("{DUPLICATE}{key}")));
            }
            let value = map.next_value_seed(StrictSeed)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}
