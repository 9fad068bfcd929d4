use serde_json::{json, Map, Value};

use super::{checked_device_keys, parse_keys, served_keys};
use crate::storage::DeviceKeysRow;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[test]
fn device_keys_must_name_the_callers_device() {
    let keys = json!({"user_id": "@a:x", "device_id": "D", "keys": {"ed25519:D": "k"}});
    assert!(checked_device_keys(object(keys.clone()), "@a:x", "D").is_ok());
    let other_device = checked_device_keys(object(keys.clone()), "@a:x", "E");
    assert_eq!(other_device.err().map(|e| e.errcode), Some("M_BAD_JSON"));
    let other_user = checked_device_keys(object(keys), "@b:x", "D");
    assert_eq!(other_user.err().map(|e| e.errcode), Some("M_BAD_JSON"));
}

#[test]
fn key_names_split_into_algorithm_and_id() {
    let keys = object(json!({"signed_curve25519:AAAA": {"key": "k"}}));
    let parsed = parse_keys(Some(&keys)).unwrap_or_default();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].algorithm, "signed_curve25519");
    assert_eq!(parsed[0].key_id, "AAAA");
    for bad in ["nocolon", ":id", "alg:"] {
        let keys = object(json!({ bad: "k" }));
        let error = parse_keys(Some(&keys)).err().map(|e| e.errcode);
        assert_eq!(error, Some("M_INVALID_PARAM"), "{bad}");
    }
}

#[test]
fn served_keys_carry_the_display_name() {
    let device = DeviceKeysRow {
        device_id: "D".to_owned(),
        display_name: Some("Phone".to_owned()),
        key_json: Some(json!({"keys": {}, "unsigned": {"x": 1}}).to_string()),
    };
    assert_eq!(
        served_keys(&device),
        Some(json!({"keys": {}, "unsigned": {"x": 1, "device_display_name": "Phone"}}))
    );
    let without = DeviceKeysRow {
        key_json: None,
        ..device
    };
    assert_eq!(served_keys(&without), None);
}
