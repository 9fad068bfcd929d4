use super::*;
use serde_json::json;

fn obj(value: Value) -> Object {
    value.as_object().unwrap().clone()
}

fn member_event() -> Object {
    obj(json!({
        "type": "m.room.member", "state_key": "@a:x", "sender": "@a:x", "room_id": "!r:x",
        "origin": "x", "membership": "join", "prev_state": [], "unsigned": {"age": 1},
        "content": {
            "membership": "join", "displayname": "A",
            "join_authorised_via_users_server": "@b:x",
            "third_party_invite": {"display_name": "a", "signed": {"mxid": "@a:x"}}
        }
    }))
}

#[test]
fn v1_keeps_origin_and_membership_but_strips_unknown_content() {
    let redacted = redact(&member_event(), &RoomVersion::V1);
    assert_eq!(redacted["content"], json!({"membership": "join"}));
    assert!(redacted.contains_key("origin") && redacted.contains_key("membership"));
    assert!(!redacted.contains_key("unsigned"));
}

#[test]
fn v9_keeps_the_authorising_user_and_v11_the_signed_third_party_invite() {
    let v9 = redact(&member_event(), &RoomVersion::V9);
    assert_eq!(
        v9["content"],
        json!({"membership": "join", "join_authorised_via_users_server": "@b:x"})
    );
    let v11 = redact(&member_event(), &RoomVersion::V11);
    assert_eq!(
        v11["content"]["third_party_invite"],
        json!({"signed": {"mxid": "@a:x"}})
    );
    assert!(!v11.contains_key("origin") && !v11.contains_key("membership"));
    assert!(!v11.contains_key("prev_state"));
}

#[test]
fn join_rules_keep_allow_from_v8() {
    let event = obj(
        json!({"type": "m.room.join_rules", "content": {"join_rule": "restricted", "allow": [], "x": 1}}),
    );
    assert_eq!(
        redact(&event, &RoomVersion::V7)["content"],
        json!({"join_rule": "restricted"})
    );
    assert_eq!(
        redact(&event, &RoomVersion::V8)["content"],
        json!({"join_rule": "restricted", "allow": []})
    );
}

#[test]
fn aliases_are_kept_only_before_v6() {
    let event = obj(json!({"type": "m.room.aliases", "content": {"aliases": ["#a:x"]}}));
    assert_eq!(
        redact(&event, &RoomVersion::V5)["content"],
        json!({"aliases": ["#a:x"]})
    );
    assert_eq!(redact(&event, &RoomVersion::V6)["content"], json!({}));
}

#[test]
fn v11_keeps_all_create_content_power_level_invite_and_redacts() {
    let create = obj(
        json!({"type": "m.room.create", "content": {"creator": "@a:x", "room_version": "11", "m.federate": false}}),
    );
    assert_eq!(
        redact(&create, &RoomVersion::V10)["content"],
        json!({"creator": "@a:x"})
    );
    assert_eq!(
        redact(&create, &RoomVersion::V11)["content"],
        create["content"]
    );
    let pl = obj(
        json!({"type": "m.room.power_levels", "content": {"invite": 0, "ban": 50, "notifications": {"room": 1}}}),
    );
    assert_eq!(
        redact(&pl, &RoomVersion::V10)["content"],
        json!({"ban": 50})
    );
    assert_eq!(
        redact(&pl, &RoomVersion::V11)["content"],
        json!({"ban": 50, "invite": 0})
    );
    let redaction =
        obj(json!({"type": "m.room.redaction", "content": {"redacts": "$e", "reason": "r"}}));
    assert_eq!(redact(&redaction, &RoomVersion::V10)["content"], json!({}));
    assert_eq!(
        redact(&redaction, &RoomVersion::V11)["content"],
        json!({"redacts": "$e"})
    );
}

#[test]
fn a_non_object_content_becomes_empty() {
    let event = obj(json!({"type": "m.room.message", "content": "x"}));
    assert_eq!(redact(&event, &RoomVersion::V11)["content"], json!({}));
}
