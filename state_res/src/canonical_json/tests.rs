use super::*;
use serde_json::json;

fn encode(value: Value) -> String {
    canonical_json(&value).unwrap()
}

#[test]
fn control_characters_use_short_escapes_where_they_exist() {
    let s: String = (0u8..0x20).map(char::from).collect();
    let expected = concat!(
        r#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#,
        r#"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
    );
    assert_eq!(encode(Value::String(s)), expected);
}

#[test]
fn quotes_and_backslashes_are_escaped_but_slashes_and_non_ascii_are_not() {
    assert_eq!(encode(json!("a\"b\\c/d")), r#""a\"b\\c/d""#);
    assert_eq!(encode(json!("\u{7f}\u{2028}é😀")), "\"\u{7f}\u{2028}é😀\"");
}

#[test]
fn keys_sort_by_code_point_not_by_utf16() {
    // U+FF61 sorts before U+1F600 by code point, after it in UTF-16 code units.
    let value = json!({"\u{1F600}": 1, "\u{FF61}": 2, "a": 3, "B": 4});
    assert_eq!(
        encode(value),
        "{\"B\":4,\"a\":3,\"\u{FF61}\":2,\"\u{1F600}\":1}"
    );
}

#[test]
fn integers_at_the_bounds_are_accepted_and_beyond_them_rejected() {
    assert_eq!(
        encode(json!([MAX_SAFE_INT, MIN_SAFE_INT])),
        "[9007199254740991,-9007199254740991]"
    );
    for text in [
        "9007199254740992",
        "-9007199254740992",
        "18446744073709551615",
    ] {
        let value: Value = serde_json::from_str(text).unwrap();
        assert!(
            matches!(
                canonical_json(&value),
                Err(CanonicalJsonError::IntegerOutOfRange(_))
            ),
            "{text}"
        );
        assert!(
            matches!(
                parse_strict(text.as_bytes()),
                Err(CanonicalJsonError::IntegerOutOfRange(_))
            ),
            "{text}"
        );
    }
}

#[test]
fn fractions_are_rejected() {
    for text in ["1.5", "-0.1", "[1e-3]", "{\"a\":{\"b\":2.25}}"] {
        let value: Value = serde_json::from_str(text).unwrap();
        assert!(
            matches!(canonical_json(&value), Err(CanonicalJsonError::Float(_))),
            "{text}"
        );
        assert!(
            matches!(
                parse_strict(text.as_bytes()),
                Err(CanonicalJsonError::Float(_))
            ),
            "{text}"
        );
    }
}

#[test]
fn duplicate_keys_are_rejected_by_the_strict_parser_only() {
    let text = br#"{"a":1,"b":{"c":1,"c":2}}"#;
    assert_eq!(
        parse_strict(text),
        Err(CanonicalJsonError::DuplicateKey("c".into()))
    );
    assert_eq!(parse_lenient(text).unwrap(), json!({"a":1,"b":{"c":2}}));
}

#[test]
fn malformed_json_is_a_syntax_error() {
    for text in [
        &b"{"[..],
        b"[1,]",
        b"{\"a\" 1}",
        b"nul",
        b"\"\\ud800\"",
        b"{} x",
        b"\xff",
    ] {
        assert!(
            matches!(parse_strict(text), Err(CanonicalJsonError::Syntax(_))),
            "{text:?}"
        );
    }
}

#[test]
fn excluded_top_level_keys_are_left_out() {
    let value = json!({"a": 1, "signatures": {}, "unsigned": {"x": {"signatures": 1}}});
    let text = canonical_object_excluding(value.as_object().unwrap(), &["signatures", "unsigned"]);
    assert_eq!(text.unwrap(), r#"{"a":1}"#);
}

#[test]
fn deep_nesting_is_rejected_by_the_parser_not_a_stack_overflow() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert!(parse_strict(deep.as_bytes()).is_err());
    assert!(parse_lenient(deep.as_bytes()).is_err());
}
