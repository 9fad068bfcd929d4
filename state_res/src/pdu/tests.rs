use super::*;
use crate::signing::KeyPair;
use serde_json::json;

fn key() -> KeyPair {
    KeyPair::from_seed("ed25519:1", [7; 32]).unwrap()
}

fn message(version: &RoomVersion) -> Object {
    let refs = if version.event_id_format == crate::room_version::EventIdFormat::Random {
        json!([["$prev:x", {"sha256": "abc"}]])
    } else {
        json!([format!("${}", crate::base64::encode_url_safe([7u8; 32]))])
    };
    let mut event = json!({
        "type": "m.room.message", "room_id": "!r:x", "sender": "@a:x", "origin_server_ts": 5,
        "depth": 2, "prev_events": refs, "auth_events": refs, "content": {"body": "héllo 😀"},
    });
    if version.event_id_format == crate::room_version::EventIdFormat::Random {
        event["event_id"] = json!("$abc:x");
    }
    let mut event = event.as_object().unwrap().clone();
    sign_event(&mut event, version, "x", &key()).unwrap();
    event
}

#[test]
fn a_signed_message_parses_in_every_room_version_with_the_right_event_id_format() {
    for version in RoomVersion::ALL {
        let pdu = Pdu::from_json(message(&version), &version).unwrap();
        let id = pdu.event_id();
        match version.event_id_format {
            crate::room_version::EventIdFormat::Random => assert_eq!(id, "$abc:x"),
            crate::room_version::EventIdFormat::StandardBase64 => {
                assert_eq!(id.len(), 44);
                assert!(!id[1..].contains(['-', '_']) || id[1..].contains(['+', '/']));
            }
            crate::room_version::EventIdFormat::UrlSafeBase64 => {
                assert_eq!(id.len(), 44);
                assert!(!id.contains(['+', '/', '=']));
            }
        }
        assert_eq!(pdu.prev_events().len(), 1);
        assert_eq!(pdu.content()["body"], "héllo 😀");
        check_content_hash(pdu.json()).unwrap();
    }
}

#[test]
fn the_event_id_does_not_depend_on_unsigned_or_signatures() {
    let version = RoomVersion::V10;
    let event = message(&version);
    let mut other = event.clone();
    other.insert("unsigned".into(), json!({"age": 3}));
    other["signatures"]["y"] = json!({"ed25519:z": "sig"});
    assert_eq!(
        event_id_for(&event, &version).unwrap(),
        event_id_for(&other, &version).unwrap()
    );
}

#[test]
fn a_v12_create_event_has_no_room_id_and_names_the_room_by_its_hash() {
    let version = RoomVersion::V12;
    let mut create = json!({
        "type": "m.room.create", "state_key": "", "sender": "@a:x", "origin_server_ts": 1,
        "depth": 1, "prev_events": [], "auth_events": [], "content": {"room_version": "12"},
    })
    .as_object()
    .unwrap()
    .clone();
    sign_event(&mut create, &version, "x", &key()).unwrap();
    let pdu = Pdu::from_json(create.clone(), &version).unwrap();
    assert_eq!(&pdu.room_id()[1..], &pdu.event_id()[1..]);
    assert!(!pdu.room_id().contains(':'));
    create.insert("room_id".into(), json!("!r:x"));
    assert_eq!(
        Pdu::from_json(create, &version),
        Err(PduError::CreateWithRoomId)
    );
}

#[test]
fn oversized_events_and_fields_are_rejected() {
    let version = RoomVersion::V11;
    let mut event = message(&version);
    event["content"]["body"] = json!("a".repeat(MAX_PDU_BYTES));
    assert!(matches!(
        Pdu::from_json(event, &version),
        Err(PduError::TooLarge(_))
    ));
    let mut event = message(&version);
    event.insert("type".into(), json!("t".repeat(256)));
    assert!(matches!(
        Pdu::from_json(event, &version),
        Err(PduError::FieldTooLong { field: "type", .. })
    ));
    let mut event = message(&version);
    event.insert("state_key".into(), json!("k".repeat(255)));
    assert!(Pdu::from_json(event, &version).is_ok());
}

#[test]
fn missing_and_mistyped_fields_are_named() {
    let version = RoomVersion::V10;
    for (field, value) in [
        ("sender", None),
        ("depth", Some(json!("1"))),
        ("content", Some(json!([]))),
    ] {
        let mut event = message(&version);
        match value {
            None => {
                event.remove(field);
            }
            Some(v) => {
                event.insert(field.into(), v);
            }
        }
        let error = Pdu::from_json(event, &version).unwrap_err();
        assert!(error.to_string().contains(field), "{field}: {error}");
    }
    let mut event = message(&version);
    event.insert("depth".into(), json!(-1));
    assert_eq!(
        Pdu::from_json(event, &version),
        Err(PduError::OutOfRange("depth"))
    );
}

#[test]
fn strict_versions_reject_floats_and_duplicate_keys_in_bytes() {
    let text = serde_json::to_string(&message(&RoomVersion::V6)).unwrap();
    let with_float = text.replacen("\"depth\":2", "\"depth\":2.5", 1);
    assert!(Pdu::from_bytes(with_float.as_bytes(), &RoomVersion::V6).is_err());
    let duplicated = text.replacen("\"depth\":2", "\"depth\":2,\"depth\":2", 1);
    assert!(matches!(
        Pdu::from_bytes(duplicated.as_bytes(), &RoomVersion::V6),
        Err(PduError::Json(
            crate::canonical_json::CanonicalJsonError::DuplicateKey(_)
        ))
    ));
    let v5 = serde_json::to_string(&message(&RoomVersion::V5)).unwrap();
    let duplicated = v5.replacen("\"depth\":2", "\"depth\":2,\"depth\":2", 1);
    assert!(Pdu::from_bytes(duplicated.as_bytes(), &RoomVersion::V5).is_ok());
}

#[test]
fn redacts_is_read_from_the_top_level_before_v11_and_from_content_after() {
    for (version, top) in [(RoomVersion::V10, true), (RoomVersion::V11, false)] {
        let mut event = message(&version);
        event.insert("type".into(), json!("m.room.redaction"));
        let target = json!(format!("${}", crate::base64::encode_url_safe([9u8; 32])));
        if top {
            event.insert("redacts".into(), target.clone());
        } else {
            event["content"]["redacts"] = target.clone();
        }
        let pdu = Pdu::from_json(event, &version).unwrap();
        assert_eq!(pdu.redacts(), target.as_str());
    }
}
