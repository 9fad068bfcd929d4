//! Arbitrary bytes and arbitrary JSON fed to the JSON and PDU parsers: they return errors, never
//! panic.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use state_res::canonical_json::{canonical_json, parse_lenient, parse_strict};
use state_res::pdu::{check_content_hash, Pdu};
use state_res::redaction::redact;
use state_res::room_version::RoomVersion;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| Value::Number(Number::from(i))),
        any::<u64>().prop_map(|i| Value::Number(Number::from(i))),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((".*", inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const KEYS: &[&str] = &[
    "type",
    "room_id",
    "sender",
    "state_key",
    "content",
    "prev_events",
    "auth_events",
    "depth",
    "origin_server_ts",
    "event_id",
    "redacts",
    "hashes",
    "signatures",
    "unsigned",
];

/// Objects shaped like PDUs: the PDU keys with arbitrary values, so the parser gets past its
/// first checks more often than with fully random objects.
fn pdu_like() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..14).prop_map(|entries| {
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn json_parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_strict(&bytes);
        let _ = parse_lenient(&bytes);
    }

    #[test]
    fn canonical_encoding_never_panics_and_round_trips(value in json_value()) {
        if let Ok(text) = canonical_json(&value) {
            let back = parse_strict(text.as_bytes()).expect("canonical output parses strictly");
            prop_assert_eq!(canonical_json(&back).unwrap(), text);
        }
    }

    #[test]
    fn pdu_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for version in RoomVersion::ALL {
            let _ = Pdu::from_bytes(&bytes, &version);
        }
    }

    #[test]
    fn pdu_parser_and_hashes_never_panic_on_pdu_shaped_json(object in pdu_like()) {
        for version in RoomVersion::ALL {
            let _ = Pdu::from_json(object.clone(), &version);
            let _ = redact(&object, &version);
        }
        let _ = check_content_hash(&object);
        let text = serde_json::to_vec(&object).unwrap();
        let _ = Pdu::from_bytes(&text, &RoomVersion::V12);
    }
}
