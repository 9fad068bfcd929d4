//! Arbitrary event contents and power level contents fed to the authorization rules and the power
//! levels parser, in every room version: they answer, never panic.

use proptest::prelude::*;
use serde_json::{json, Map, Number, Value};
use state_res::auth::{
    auth_types_for_event, check_auth, check_auth_events, is_power_event, parse_level, PowerLevels,
};
use state_res::pdu::Pdu;
use state_res::room_version::{EventIdFormat, RoomVersion};
use std::collections::HashMap;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| Value::Number(Number::from(i))),
        (-200i64..200).prop_map(|i| Value::Number(Number::from(i))),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        ".*".prop_map(Value::String),
        "[ +-]?[0-9]{1,25} ?".prop_map(Value::String),
        prop::sample::select(USERS).prop_map(|u| Value::String(u.to_owned())),
        prop::sample::select(MEMBERSHIPS).prop_map(|m| Value::String(m.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const USERS: &[&str] = &[
    "@alice:example.org",
    "@bob:example.org",
    "@carol:other.example",
];
const MEMBERSHIPS: &[&str] = &[
    "join",
    "invite",
    "leave",
    "ban",
    "knock",
    "public",
    "restricted",
];
const KEYS: &[&str] = &[
    "membership",
    "join_rule",
    "third_party_invite",
    "signed",
    "mxid",
    "token",
    "signatures",
    "public_key",
    "public_keys",
    "join_authorised_via_users_server",
    "users",
    "users_default",
    "events",
    "events_default",
    "state_default",
    "ban",
    "kick",
    "redact",
    "invite",
    "notifications",
    "room_version",
    "creator",
    "additional_creators",
    "m.federate",
    "@alice:example.org",
    "@bob:example.org",
    "m.room.message",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), ".{0,8}"]
}

fn content() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json_value()), 0..10)
        .prop_map(|entries| entries.into_iter().collect())
}

const TYPES: &[&str] = &[
    "m.room.create",
    "m.room.member",
    "m.room.power_levels",
    "m.room.join_rules",
    "m.room.third_party_invite",
    "m.room.redaction",
    "m.room.aliases",
    "m.room.message",
];

/// Builds a PDU around `content`, or `None` when the PDU format rejects it.
fn pdu(
    version: &RoomVersion,
    room_id: &str,
    event_type: &str,
    sender: &str,
    state_key: Option<&str>,
    content: &Map<String, Value>,
) -> Option<Pdu> {
    let mut json = json!({
        "type": event_type,
        "sender": sender,
        "content": content,
        "prev_events": [],
        "auth_events": [],
        "depth": 1,
        "origin_server_ts": 1,
        "hashes": {"sha256": "aGFzaA"},
        "signatures": {"example.org": {"ed25519:1": "c2ln"}},
    });
    let object = json.as_object_mut()?;
    if !(version.room_id_is_create_hash && event_type == "m.room.create") {
        object.insert("room_id".into(), json!(room_id));
    }
    if let Some(state_key) = state_key {
        object.insert("state_key".into(), json!(state_key));
    }
    if version.event_id_format == EventIdFormat::Random {
        object.insert(
            "event_id".into(),
            json!(format!("${event_type}:example.org")),
        );
    }
    if event_type == "m.room.redaction" {
        object.insert("redacts".into(), json!("$x:example.org"));
    }
    Pdu::from_json(object.clone(), version).ok()
}

struct Room {
    events: Vec<Pdu>,
    room_id: String,
}

/// A room whose power levels, join rules, Bob's membership and third-party invite have
/// arbitrary contents.
fn room(version: &RoomVersion, contents: &[Map<String, Value>; 4]) -> Option<Room> {
    let alice = "@alice:example.org";
    let create_content = json!({"creator": alice}).as_object()?.clone();
    let create = pdu(
        version,
        "!room:example.org",
        "m.room.create",
        alice,
        Some(""),
        &create_content,
    )?;
    let room_id = create.room_id().to_owned();
    let join = json!({"membership": "join"}).as_object()?.clone();
    let mut events = vec![create];
    events.extend(pdu(
        version,
        &room_id,
        "m.room.member",
        alice,
        Some(alice),
        &join,
    ));
    let rest = [
        ("m.room.power_levels", ""),
        ("m.room.join_rules", ""),
        ("m.room.member", "@bob:example.org"),
        ("m.room.third_party_invite", "tok"),
    ];
    for ((event_type, state_key), content) in rest.iter().zip(contents) {
        events.extend(pdu(
            version,
            &room_id,
            event_type,
            alice,
            Some(state_key),
            content,
        ));
    }
    Some(Room { events, room_id })
}

fn check_everything(version: &RoomVersion, room: &Room, event: &Pdu) {
    let state: HashMap<(&str, &str), &Pdu> = room
        .events
        .iter()
        .map(|e| ((e.event_type(), e.state_key().unwrap_or_default()), e))
        .collect();
    let _ = check_auth(version, event, |kind: &str, key: &str| {
        state.get(&(kind, key)).copied()
    });
    let auth: Vec<&Pdu> = room.events.iter().collect();
    let _ = check_auth_events(version, event, &auth, |id| id.len() % 2 == 0);
    let _ = auth_types_for_event(
        version,
        event.event_type(),
        event.sender(),
        event.state_key(),
        event.content(),
    );
    let _ = is_power_event(event);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_event_contents_never_panic_the_auth_rules(
        event_type in prop::sample::select(TYPES),
        sender in prop::sample::select(USERS),
        state_key in prop::option::of(prop_oneof![
            prop::sample::select(USERS).prop_map(str::to_owned),
            Just(String::new()),
            ".{0,6}",
        ]),
        event_content in content(),
        room_contents in [content(), content(), content(), content()],
    ) {
        for version in RoomVersion::ALL {
            let Some(room) = room(&version, &room_contents) else { continue };
            if let Some(event) = pdu(&version, &room.room_id, event_type, sender, state_key.as_deref(), &event_content) {
                check_everything(&version, &room, &event);
            }
        }
    }

    #[test]
    fn arbitrary_power_levels_never_panic_the_parser(levels in content(), value in json_value()) {
        for version in RoomVersion::ALL {
            let parsed = PowerLevels::from_content(&version, &levels);
            for user in USERS {
                let _ = parsed.user_level(user);
            }
            let _ = parsed.event_level("m.room.message", false);
            let _ = parsed.notification_level("room");
            let _ = parse_level(&version, &value);
        }
    }
}
