use serde_json::json;
use state_res::auth::check_auth;
use state_res::pdu::check_content_hash;
use state_res::redaction::redact;
use state_res::signing::verify_json;

use super::*;

const ORIGIN: &str = "example.org";
const ALICE: &str = "@alice:example.org";

fn key() -> KeyPair {
    KeyPair::from_seed("ed25519:test", [7; 32]).expect("key")
}

fn object(value: Value) -> Object {
    match value {
        Value::Object(object) => object,
        _ => Object::new(),
    }
}

fn create(version: &RoomVersion, key: &KeyPair) -> Pdu {
    let room_id = (!version.room_id_is_create_hash).then(|| new_room_id(ORIGIN));
    let mut content = object(json!({"room_version": version.id}));
    if !version.creator_is_sender {
        content.insert("creator".to_owned(), json!(ALICE));
    }
    let ctx = BuildContext {
        version,
        room_id: room_id.as_deref(),
        sender: ALICE,
        origin: ORIGIN,
        key,
        prev_events: &[],
        auth_events: &[],
        origin_server_ts: 1_700_000_000_000,
    };
    build(ctx, EventTemplate::state("m.room.create", "", content)).expect("create")
}

#[test]
fn create_events_of_every_version_are_signed_hashed_and_allowed() {
    let key = key();
    for version in RoomVersion::ALL {
        let pdu = create(&version, &key);
        check_auth(&version, &pdu, |_, _| None).expect("the auth rules allow it");
        check_content_hash(pdu.json()).expect("content hash");
        let redacted = redact(pdu.json(), &version);
        verify_json(&redacted, ORIGIN, key.key_id(), &key.verifying_key()).expect("signature");
        assert_eq!(pdu.depth(), 1);
        match version.event_id_format {
            EventIdFormat::Random => assert!(pdu.event_id().ends_with(":example.org")),
            _ => assert!(!pdu.event_id().contains(':'), "{}", pdu.event_id()),
        }
        if version.room_id_is_create_hash {
            assert!(!pdu.json().contains_key("room_id"));
            assert_eq!(&pdu.room_id()[1..], &pdu.event_id()[1..]);
        } else {
            assert!(pdu.room_id().ends_with(":example.org"));
        }
        assert_eq!(pdu.json().contains_key("origin"), !version.redaction.v11);
    }
}

#[test]
fn events_reference_their_prev_and_auth_events_and_go_one_deeper() {
    let key = key();
    for version in [RoomVersion::V1, RoomVersion::V10] {
        let create = create(&version, &key);
        let prev = PrevEvent {
            event_id: create.event_id().to_owned(),
            depth: create.depth(),
            hashes: create.json()["hashes"].clone(),
        };
        let ctx = BuildContext {
            version: &version,
            room_id: Some(create.room_id()),
            sender: ALICE,
            origin: ORIGIN,
            key: &key,
            prev_events: std::slice::from_ref(&prev),
            auth_events: &[&create],
            origin_server_ts: 1_700_000_000_001,
        };
        let content = object(json!({"membership": "join"}));
        let join = build(ctx, EventTemplate::state("m.room.member", ALICE, content)).expect("join");
        assert_eq!(join.depth(), 2);
        assert_eq!(join.prev_events(), [create.event_id().to_owned()]);
        assert_eq!(join.auth_events(), [create.event_id().to_owned()]);
        check_auth(&version, &join, |t, k| {
            (t == "m.room.create" && k.is_empty()).then_some(&create)
        })
        .expect("the creator's first join is allowed");
        if version.event_id_format == EventIdFormat::Random {
            assert_eq!(
                join.json()["prev_events"][0][1]["sha256"],
                create.json()["hashes"]["sha256"]
            );
        }
    }
}

#[test]
fn redactions_before_v11_carry_redacts_at_the_top_level() {
    let key = key();
    for (version, top_level) in [(RoomVersion::V10, true), (RoomVersion::V11, false)] {
        let create = create(&version, &key);
        let ctx = BuildContext {
            version: &version,
            room_id: Some(create.room_id()),
            sender: ALICE,
            origin: ORIGIN,
            key: &key,
            prev_events: &[],
            auth_events: &[],
            origin_server_ts: 1,
        };
        let content = object(json!({"redacts": create.event_id(), "reason": "spam"}));
        let pdu = build(ctx, EventTemplate::message("m.room.redaction", content)).expect("build");
        assert_eq!(pdu.redacts(), Some(create.event_id()));
        assert_eq!(pdu.json().contains_key("redacts"), top_level);
        assert_eq!(pdu.content().contains_key("redacts"), !top_level);
    }
}

#[test]
fn oversized_events_fail_the_format_checks() {
    let key = key();
    let version = RoomVersion::V10;
    let ctx = BuildContext {
        version: &version,
        room_id: Some("!room:example.org"),
        sender: ALICE,
        origin: ORIGIN,
        key: &key,
        prev_events: &[],
        auth_events: &[],
        origin_server_ts: 1,
    };
    let content = object(json!({"body": "x".repeat(70_000)}));
    let result = build(ctx, EventTemplate::message("m.room.message", content));
    assert!(matches!(
        result,
        Err(BuildError::Format(PduError::TooLarge(_)))
    ));
}
