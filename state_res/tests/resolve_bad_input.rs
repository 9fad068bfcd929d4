//! Bad input to state resolution gives a typed `ResolveError`, never a panic or an endless
//! loop, for every algorithm (v1: room version 1; v2: room versions 2 and 10; v2.1: room
//! version 12): cycles in the auth DAG, missing events and auth events, events from another room,
//! state sets naming non-state events or events under the wrong key.
//!
//! Each case resolves two state sets (a single set is returned as it is, unchecked).

#[allow(dead_code)]
mod dag {
    pub mod room;
}

use dag::room::{key, NewEvent, Room};
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::pdu::Pdu;
use state_res::resolve::{resolve, ResolveError, StateMap};
use state_res::room_version::{EventIdFormat, RoomVersion};
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

/// A room with its create event, the creator's join and power levels; returns it and its state.
fn base_room(version: RoomVersion) -> (Room, StateMap) {
    let mut room = Room::create(version, "@alice:a.test", Object::new(), 1_000, 7);
    let mut tip = room.create_id.clone();
    let events = [
        NewEvent::state(
            "m.room.member",
            "@alice:a.test",
            "@alice:a.test",
            json!({"membership": "join"}),
            1_001,
        ),
        NewEvent::state(
            "m.room.power_levels",
            "@alice:a.test",
            "",
            json!({"users": {}}),
            1_002,
        ),
    ];
    for new in events {
        let prevs = [tip.clone()];
        let (_, before) = room.state_before(&prevs);
        let (id, accepted) = room.add(&new, &prevs, &before, &before);
        assert!(accepted);
        tip = id;
    }
    let state = room.state_after[&tip].clone();
    (room, state)
}

/// A PDU of `version` from `fields`, with the other fields filled in; references are event ids
/// (written as `[id, {hashes}]` pairs for v1/v2).
fn pdu(version: &RoomVersion, room_id: &str, fields: Value) -> Pdu {
    let random = version.event_id_format == EventIdFormat::Random;
    let refs = |ids: &Value| -> Value {
        let ids = ids.as_array().cloned().unwrap_or_default();
        if random {
            ids.into_iter()
                .map(|id| json!([id, {"sha256": "x"}]))
                .collect()
        } else {
            Value::Array(ids)
        }
    };
    let mut event = json!({
        "room_id": room_id, "sender": "@alice:a.test", "content": {}, "depth": 5,
        "origin_server_ts": 5, "hashes": {"sha256": "x"}, "signatures": {},
        "prev_events": [], "auth_events": [],
    });
    for (name, value) in fields.as_object().unwrap() {
        let value = match name.as_str() {
            "prev_events" | "auth_events" => refs(value),
            _ => value.clone(),
        };
        event[name] = value;
    }
    if !random {
        event.as_object_mut().unwrap().remove("event_id");
    }
    Pdu::from_json(event.as_object().unwrap().clone(), version).unwrap()
}

/// Resolves `sets` over `events` (plus the room's), failing the test if it takes over 10 s.
fn resolve_within_limit(
    room: &Room,
    extra: &[Pdu],
    sets: Vec<StateMap>,
) -> Result<StateMap, ResolveError> {
    let mut events: HashMap<String, Pdu> = room.events.clone();
    events.extend(extra.iter().map(|e| (e.event_id().to_owned(), e.clone())));
    let (version, room_id) = (room.version, room.room_id.clone());
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let source = (|id: &str| events.get(id), |_: &str| false);
        let _ = send.send(resolve(&version, &room_id, &sets, &source));
    });
    receive
        .recv_timeout(Duration::from_secs(10))
        .expect("resolution neither returned nor panicked within 10 s")
}

fn with(state: &StateMap, event: &Pdu) -> StateMap {
    let mut state = state.clone();
    let state_key = event.state_key().unwrap_or("");
    state.insert(
        key(event.event_type(), state_key),
        event.event_id().to_owned(),
    );
    state
}

/// Two topic events: one in each state set, so that both are conflicted.
fn two_topics(room: &Room, auth_of_first: Vec<String>, auth_of_second: Vec<String>) -> [Pdu; 2] {
    let v = room.version;
    let topic = |name: &str, auth: Vec<String>| {
        pdu(
            &v,
            &room.room_id,
            json!({"type": "m.room.topic", "state_key": "", "event_id": format!("${name}:a.test"),
                   "content": {"topic": name}, "auth_events": auth}),
        )
    };
    [topic("t1", auth_of_first), topic("t2", auth_of_second)]
}

const ALL: [RoomVersion; 4] = [
    RoomVersion::V1,
    RoomVersion::V2,
    RoomVersion::V10,
    RoomVersion::V12,
];

#[test]
fn auth_cycles_are_reported_not_followed() {
    // Event ids are chosen by the sender only in v1 and v2, so only there can a cycle be built.
    for version in [RoomVersion::V1, RoomVersion::V2] {
        let (room, state) = base_room(version);
        // t1 and t2 cite each other.
        let [t1, t2] = two_topics(&room, vec!["$t2:a.test".into()], vec!["$t1:a.test".into()]);
        let outcome = resolve_within_limit(
            &room,
            &[t1.clone(), t2.clone()],
            vec![with(&state, &t1), with(&state, &t2)],
        );
        assert!(
            matches!(outcome, Err(ResolveError::Cycle(_))),
            "v{}: {outcome:?}",
            version.id
        );

        // A name event that cites itself.
        let [topic, _] = two_topics(&room, vec![], vec![]);
        let looped = pdu(
            &version,
            &room.room_id,
            json!({"type": "m.room.name", "state_key": "", "event_id": "$loop:a.test",
                   "auth_events": ["$loop:a.test"]}),
        );
        let extra = [topic.clone(), looped.clone()];
        let sets = vec![with(&state, &topic), with(&state, &looped)];
        let outcome = resolve_within_limit(&room, &extra, sets);
        assert!(
            matches!(outcome, Err(ResolveError::Cycle(_))),
            "v{}: {outcome:?}",
            version.id
        );
    }
}

#[test]
fn missing_events_and_auth_events_are_reported() {
    for version in ALL {
        let (room, state) = base_room(version);
        let absent = pdu(
            &version,
            &room.room_id,
            json!({"type": "m.room.name", "state_key": "", "event_id": "$absent:a.test"}),
        );
        let absent_id = absent.event_id().to_owned();
        let [t1, t2] = two_topics(&room, vec![absent_id.clone()], vec![]);
        // An auth event that is not available.
        let sets = vec![with(&state, &t1), with(&state, &t2)];
        let outcome = resolve_within_limit(&room, &[t1.clone(), t2.clone()], sets);
        assert_eq!(
            outcome,
            Err(ResolveError::MissingAuthEvent {
                event: t1.event_id().to_owned(),
                auth_event: absent_id.clone()
            }),
            "v{}",
            version.id
        );
        // A state event that is not available.
        let sets = vec![with(&state, &absent), with(&state, &t2)];
        let outcome = resolve_within_limit(&room, std::slice::from_ref(&t2), sets);
        assert_eq!(
            outcome,
            Err(ResolveError::MissingEvent(absent_id)),
            "v{}",
            version.id
        );
    }
}

#[test]
fn a_v12_room_without_its_create_event_is_reported() {
    let (room, state) = base_room(RoomVersion::V12);
    let [t1, t2] = two_topics(&room, vec![], vec![]);
    let mut events: HashMap<String, Pdu> = room.events.clone();
    events.remove(&room.create_id);
    events.extend([t1.clone(), t2.clone()].map(|e| (e.event_id().to_owned(), e)));
    let source = (|id: &str| events.get(id), |_: &str| false);
    let sets = [with(&state, &t1), with(&state, &t2)];
    let outcome = resolve(&room.version, &room.room_id, &sets, &source);
    assert!(matches!(outcome, Err(ResolveError::MissingEvent(id)) if id == room.create_id));
}

#[test]
fn events_from_another_room_are_reported() {
    for version in ALL {
        let (room, state) = base_room(version);
        let elsewhere = pdu(
            &version,
            "!elsewhere:b.test",
            json!({"type": "m.room.name", "state_key": "", "event_id": "$x:b.test"}),
        );
        let [t1, t2] = two_topics(&room, vec![], vec![elsewhere.event_id().to_owned()]);
        let extra = [elsewhere.clone(), t1.clone(), t2.clone()];
        // In a state set.
        let sets = vec![with(&state, &elsewhere), with(&state, &t1)];
        let outcome = resolve_within_limit(&room, &extra, sets);
        assert!(
            matches!(outcome, Err(ResolveError::WrongRoom { .. })),
            "v{}: {outcome:?}",
            version.id
        );
        // Among the auth events.
        let sets = vec![with(&state, &t1), with(&state, &t2)];
        let outcome = resolve_within_limit(&room, &extra, sets);
        assert_eq!(
            outcome,
            Err(ResolveError::WrongRoom {
                event: elsewhere.event_id().to_owned(),
                expected: room.room_id.clone(),
                found: "!elsewhere:b.test".into(),
            }),
            "v{}",
            version.id
        );
    }
}

#[test]
fn state_sets_naming_non_state_events_or_wrong_keys_are_reported() {
    for version in ALL {
        let (room, state) = base_room(version);
        let message = pdu(
            &version,
            &room.room_id,
            json!({"type": "m.room.message", "event_id": "$m:a.test", "content": {"body": "hi"}}),
        );
        let [t1, t2] = two_topics(&room, vec![], vec![]);
        let extra = [message.clone(), t1.clone(), t2.clone()];
        let mut named = state.clone();
        named.insert(key("m.room.message", ""), message.event_id().to_owned());
        let outcome = resolve_within_limit(&room, &extra, vec![named, with(&state, &t1)]);
        assert_eq!(
            outcome,
            Err(ResolveError::NotAStateEvent(message.event_id().to_owned())),
            "v{}",
            version.id
        );
        let mut misplaced = with(&state, &t1);
        misplaced.insert(key("m.room.name", ""), t2.event_id().to_owned());
        let outcome = resolve_within_limit(&room, &extra, vec![misplaced, with(&state, &t2)]);
        assert!(
            matches!(&outcome, Err(ResolveError::KeyMismatch { event, kind, .. })
                if event == t2.event_id() && kind == "m.room.name"),
            "v{}: {outcome:?}",
            version.id
        );
    }
}
