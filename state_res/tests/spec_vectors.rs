//! The spec's canonical JSON examples and cryptographic test vectors (appendices.md), kept as
//! fixtures in this repository.

use serde_json::Value;
use state_res::base64;
use state_res::canonical_json::{canonical_json, parse_strict, Object};
use state_res::pdu::{check_content_hash, sign_event};
use state_res::room_version::RoomVersion;
use state_res::signing::{verify_json, KeyPair};

fn fixture(path: &str) -> Value {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn object(value: &Value) -> Object {
    value.as_object().unwrap().clone()
}

fn spec_key(vectors: &Value) -> KeyPair {
    let seed = base64::decode(vectors["seed"].as_str().unwrap()).unwrap();
    KeyPair::from_seed(
        vectors["key_id"].as_str().unwrap(),
        seed.try_into().unwrap(),
    )
    .unwrap()
}

#[test]
fn every_canonical_json_example_of_the_spec_encodes_as_the_spec_says() {
    let cases = fixture("canonical_json/spec_examples.json");
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for case in cases {
        let input = case["input"].as_str().unwrap();
        let value = parse_strict(input.as_bytes()).unwrap();
        assert_eq!(
            canonical_json(&value).unwrap(),
            case["expected"].as_str().unwrap(),
            "input: {input}"
        );
    }
}

#[test]
fn json_signing_vectors_of_the_spec_are_reproduced_and_verify() {
    let vectors = fixture("signing/spec_vectors.json");
    let key = spec_key(&vectors);
    let server = vectors["server_name"].as_str().unwrap();
    for case in vectors["json_signing"].as_array().unwrap() {
        let mut signed = object(&case["input"]);
        key.sign_json(server, &mut signed).unwrap();
        assert_eq!(Value::Object(signed.clone()), case["expected"]);
        verify_json(&signed, server, key.key_id(), &key.verifying_key()).unwrap();
    }
}

#[test]
fn event_signing_vectors_of_the_spec_are_reproduced_and_verify() {
    let vectors = fixture("signing/spec_vectors.json");
    let key = spec_key(&vectors);
    let server = vectors["server_name"].as_str().unwrap();
    for case in vectors["event_signing"].as_array().unwrap() {
        let version = RoomVersion::from_id(case["room_version"].as_str().unwrap()).unwrap();
        let mut event = object(&case["input"]);
        sign_event(&mut event, &version, server, &key).unwrap();
        assert_eq!(Value::Object(event.clone()), case["expected"]);
        check_content_hash(&event).unwrap();
        let mut redacted = state_res::redaction::redact(&event, &version);
        redacted.remove("unsigned");
        verify_json(&redacted, server, key.key_id(), &key.verifying_key()).unwrap();
    }
}

#[test]
fn a_tampered_event_fails_its_content_hash_and_signature() {
    let vectors = fixture("signing/spec_vectors.json");
    let key = spec_key(&vectors);
    let case = &vectors["event_signing"][1];
    let mut event = object(&case["expected"]);
    event["content"]["body"] = Value::String("changed".into());
    assert!(check_content_hash(&event).is_err());
    // The signature covers the redacted form, so a content change keeps it valid, while a change
    // of a kept key breaks it.
    event["sender"] = Value::String("@v:domain".into());
    let redacted = state_res::redaction::redact(&event, &RoomVersion::V1);
    assert!(verify_json(&redacted, "domain", key.key_id(), &key.verifying_key()).is_err());
}
