//! Matrix canonical JSON (spec `appendices.md` § "Canonical JSON").
//!
//! The shortest UTF-8 encoding with object keys sorted by Unicode code point, no insignificant
//! whitespace, integers only in `[-(2^53)+1, 2^53-1]`, no fractions or exponents. Non-ASCII text is
//! written as raw UTF-8, never as `\uXXXX` escapes (the `canonical_json` crate does the latter and
//! would break every signature over non-ASCII text). Only `"`, `\` and the ASCII control characters
//! are escaped, using the short forms `\b \t \n \f \r` where they exist and lower-case `\u00XX`
//! otherwise (the spec's grammar, identical to Python's `json.dumps(ensure_ascii=False)`).

use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// A JSON object as used for events and signed payloads.
pub type Object = Map<String, Value>;

/// Largest integer canonical JSON allows: `2^53 - 1`.
pub const MAX_SAFE_INT: i64 = (1 << 53) - 1;
/// Smallest integer canonical JSON allows: `-(2^53) + 1`.
pub const MIN_SAFE_INT: i64 = -MAX_SAFE_INT;

/// Why a value cannot be encoded as, or parsed as, canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalJsonError {
    #[error("floating-point number {0} is not allowed in canonical JSON")]
    Float(String),
    #[error("integer {0} is outside the canonical JSON range [-(2^53)+1, 2^53-1]")]
    IntegerOutOfRange(String),
    #[error("duplicate key {0:?} in JSON object")]
    DuplicateKey(String),
    #[error("invalid JSON: {0}")]
    Syntax(String),
}

/// Encodes `value` as canonical JSON text.
pub fn canonical_json(value: &Value) -> Result<String, CanonicalJsonError> {
    let mut out = String::with_capacity(256);
    write_value(&mut out, value)?;
    Ok(out)
}

/// Encodes `value` as canonical JSON bytes (the input to hashes and signatures).
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalJsonError> {
    canonical_json(value).map(String::into_bytes)
}

/// Encodes an object as canonical JSON text.
pub fn canonical_object(object: &Object) -> Result<String, CanonicalJsonError> {
    canonical_object_excluding(object, &[])
}

/// Encodes an object as canonical JSON text, leaving out the top-level keys in `excluded`
/// (for example `signatures` and `unsigned` when checking a signature) without copying it.
pub fn canonical_object_excluding(
    object: &Object,
    excluded: &[&str],
) -> Result<String, CanonicalJsonError> {
    let mut out = String::with_capacity(256);
    write_object_filtered(&mut out, object, excluded)?;
    Ok(out)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), CanonicalJsonError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(object) => write_object(out, object)?,
    }
    Ok(())
}

fn write_object(out: &mut String, object: &Object) -> Result<(), CanonicalJsonError> {
    write_object_filtered(out, object, &[])
}

fn write_object_filtered(
    out: &mut String,
    object: &Object,
    excluded: &[&str],
) -> Result<(), CanonicalJsonError> {
    // Sort explicitly: serde_json's map is only sorted when its `preserve_order` feature is off,
    // and another crate in the build may turn it on. UTF-8 byte order equals code point order.
    let mut entries: Vec<(&String, &Value)> = object
        .iter()
        .filter(|(key, _)| !excluded.contains(&key.as_str()))
        .collect();
    entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, value)?;
    }
    out.push('}');
    Ok(())
}

/// Checks a JSON number against the canonical rules and returns it as an integer.
///
/// The spec's own example turns `-0` into `0` and `1e10` into `10000000000`: a number written with
/// an exponent is accepted when its value is an integer in range. Fractions are rejected.
pub fn number_as_int(n: &Number) -> Result<i64, CanonicalJsonError> {
    if let Some(i) = n.as_i64() {
        return in_range(i).ok_or_else(|| CanonicalJsonError::IntegerOutOfRange(n.to_string()));
    }
    if n.is_u64() {
        return Err(CanonicalJsonError::IntegerOutOfRange(n.to_string()));
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if !f.is_finite() || f.fract() != 0.0 {
        return Err(CanonicalJsonError::Float(n.to_string()));
    }
    if f.abs() > MAX_SAFE_INT as f64 {
        return Err(CanonicalJsonError::IntegerOutOfRange(n.to_string()));
    }
    Ok(f as i64)
}

fn in_range(i: i64) -> Option<i64> {
    (MIN_SAFE_INT..=MAX_SAFE_INT).contains(&i).then_some(i)
}

fn write_number(out: &mut String, n: &Number) -> Result<(), CanonicalJsonError> {
    let i = number_as_int(n)?;
    let _ = write!(out, "{i}");
    Ok(())
}

fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x09 => "\\t",
            0x0A => "\\n",
            0x0C => "\\f",
            0x0D => "\\r",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Parses JSON text and checks it against the canonical JSON rules: no fractional numbers, no
/// integers outside the safe range and no duplicate object keys. This is the strict format that
/// room versions 6 and later require (spec `rooms/fragments/v6-canonical-json.md`), and what
/// client request bodies are held to.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, CanonicalJsonError> {
    let value = crate::canonical_json::strict::parse(bytes)?;
    Ok(value)
}

/// Parses JSON text leniently (room versions 1–5 must accept non-compliant JSON: spec
/// `rooms/fragments/v1-canonical-json.md`). Duplicate keys keep the last value.
pub fn parse_lenient(bytes: &[u8]) -> Result<Value, CanonicalJsonError> {
    serde_json::from_slice(bytes).map_err(|e| CanonicalJsonError::Syntax(e.to_string()))
}

/// Checks that every number in `value` is a canonical integer.
pub fn check_numbers(value: &Value) -> Result<(), CanonicalJsonError> {
    match value {
        Value::Number(n) => number_as_int(n).map(|_| ()),
        Value::Array(items) => items.iter().try_for_each(check_numbers),
        Value::Object(object) => object.values().try_for_each(check_numbers),
        _ => Ok(()),
    }
}

mod strict;

#[cfg(test)]
mod tests;
