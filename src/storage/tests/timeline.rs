use crate::storage::testing::each_backend;
use crate::storage::{
    Database, Direction, NewEvent, NewRoom, RoomEventWrite, StateGroupId, StreamPosition,
    TimelineRange,
};

const ROOM: &str = "!timeline:example.org";
const ALICE: &str = "@alice:example.org";
const BOB: &str = "@bob:example.org";

/// One event of the test room's linear DAG.
struct Step<'a> {
    id: &'a str,
    kind: &'a str,
    state_key: Option<&'a str>,
    membership: Option<&'a str>,
    redacts: Option<&'a str>,
}

fn step<'a>(id: &'a str, kind: &'a str, state_key: Option<&'a str>) -> Step<'a> {
    Step {
        id,
        kind,
        state_key,
        membership: None,
        redacts: None,
    }
}

/// Persists `steps` in order; returns each event's position and state group.
async fn persist(db: &Database, steps: &[Step<'_>]) -> Vec<(StreamPosition, StateGroupId)> {
    let mut state = None;
    let mut prev: Vec<String> = Vec::new();
    let mut current: std::collections::BTreeMap<(String, String), String> = Default::default();
    let mut out = Vec::new();
    for s in steps {
        let key = s.state_key.map(|k| (s.kind.to_owned(), k.to_owned()));
        let replaces = key.as_ref().and_then(|k| current.get(k).cloned());
        let persisted = db
            .persist_room_event(&RoomEventWrite {
                event: NewEvent {
                    event_id: s.id,
                    room_id: ROOM,
                    event_type: s.kind,
                    state_key: s.state_key,
                    sender: ALICE,
                    origin_server_ts: 1,
                    depth: 1,
                    json: "{}",
                    rejection_reason: None,
                    outlier: false,
                },
                new_room: (s.kind == "m.room.create").then_some(NewRoom {
                    room_id: ROOM,
                    room_version: "10",
                    creator: ALICE,
                    created_ts: 1,
                }),
                state_before: state,
                prev_events: &prev,
                membership: s.membership,
                transaction: None,
                redacts: s.redacts,
                replaces_state: replaces.as_deref(),
            })
            .await
            .expect("persist");
        if let Some(key) = key {
            current.insert(key, s.id.to_owned());
        }
        state = Some(persisted.state_group);
        prev = vec![s.id.to_owned()];
        out.push((persisted.stream_position, persisted.state_group));
    }
    out
}

/// The create event and three messages: `$create`, `$m1`, `$m2`, `$m3`.
fn create_and_three_messages() -> [Step<'static>; 4] {
    [
        step("$create", "m.room.create", Some("")),
        step("$m1", "m.room.message", None),
        step("$m2", "m.room.message", None),
        step("$m3", "m.room.message", None),
    ]
}

fn ids(events: &[crate::storage::TimelineEvent]) -> Vec<&str> {
    events.iter().map(|t| t.event.event_id.as_str()).collect()
}

#[tokio::test]
async fn storage_timeline_pages_both_ways_between_positions() {
    each_backend(|db| async move {
        let at = persist(&db, &create_and_three_messages()).await;
        let range = |from: StreamPosition, to, direction, limit| TimelineRange {
            from,
            to,
            direction,
            limit,
        };
        let back = db
            .room_timeline(ROOM, range(at[3].0, None, Direction::Backward, 2))
            .await
            .expect("page");
        assert_eq!(ids(&back), ["$m3", "$m2"]);
        assert_eq!(back[0].state_group, Some(at[3].1));
        let rest = db
            .room_timeline(
                ROOM,
                range(
                    StreamPosition(at[2].0 .0 - 1),
                    None,
                    Direction::Backward,
                    10,
                ),
            )
            .await
            .expect("page");
        assert_eq!(ids(&rest), ["$m1", "$create"]);
        let forward = db
            .room_timeline(ROOM, range(at[0].0, Some(at[2].0), Direction::Forward, 10))
            .await
            .expect("page");
        assert_eq!(
            ids(&forward),
            ["$m1", "$m2"],
            "above from, up to and with to"
        );
        let bounded = db
            .room_timeline(ROOM, range(at[3].0, Some(at[1].0), Direction::Backward, 10))
            .await
            .expect("page");
        assert_eq!(ids(&bounded), ["$m3", "$m2"], "at or below from, above to");
        let other = db
            .room_timeline(
                "!other:example.org",
                range(at[3].0, None, Direction::Backward, 10),
            )
            .await
            .expect("page");
        assert!(other.is_empty());
        let last = db
            .room_event_at(ROOM, StreamPosition(at[3].0 .0 + 5))
            .await
            .expect("at");
        assert_eq!(last.map(|t| t.event.event_id), Some("$m3".to_owned()));
        let none = db.room_event_at(ROOM, StreamPosition(0)).await.expect("at");
        assert!(none.is_none());
    })
    .await;
}

#[tokio::test]
async fn storage_state_keys_of_a_group_without_the_whole_state() {
    each_backend(|db| async move {
        let mut join = step("$join", "m.room.member", Some(ALICE));
        join.membership = Some("join");
        let mut bob = step("$bob", "m.room.member", Some(BOB));
        bob.membership = Some("join");
        let steps = [
            step("$create", "m.room.create", Some("")),
            join,
            step("$hv", "m.room.history_visibility", Some("")),
            bob,
            step("$msg", "m.room.message", None),
        ];
        let at = persist(&db, &steps).await;
        let keys = [("m.room.history_visibility", ""), ("m.room.member", BOB)];
        let state = db
            .load_state_key_events(at[4].1, &keys)
            .await
            .expect("keys");
        let entries: Vec<(&str, &str, &str)> = state
            .iter()
            .map(|((t, k), e)| (t.as_str(), k.as_str(), e.event_id.as_str()))
            .collect();
        let member = &state[&("m.room.member".to_owned(), BOB.to_owned())];
        assert_eq!(
            (member.sender.as_str(), member.state_key.as_deref()),
            (ALICE, Some(BOB))
        );
        assert_eq!(
            entries,
            [
                ("m.room.history_visibility", "", "$hv"),
                ("m.room.member", BOB, "$bob")
            ]
        );
        let before_bob = db
            .load_state_key_events(at[2].1, &keys)
            .await
            .expect("keys");
        assert_eq!(before_bob.len(), 1, "{before_bob:?}");
        assert!(db
            .load_state_key_events(at[4].1, &[])
            .await
            .expect("none")
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn storage_redactions_and_replaced_state_are_linked() {
    each_backend(|db| async move {
        let mut redaction = step("$redaction", "m.room.redaction", None);
        redaction.redacts = Some("$topic1");
        let mut early = step("$early", "m.room.redaction", None);
        early.redacts = Some("$later");
        let steps = [
            step("$create", "m.room.create", Some("")),
            step("$topic1", "m.room.topic", Some("")),
            step("$topic2", "m.room.topic", Some("")),
            redaction,
            early,
        ];
        persist(&db, &steps).await;
        let redactions = db
            .redactions_of(&["$topic1", "$topic2", "$later"])
            .await
            .expect("redactions");
        let pairs: Vec<(&str, &str)> = redactions
            .iter()
            .map(|l| (l.event_id.as_str(), l.linked.event_id.as_str()))
            .collect();
        // A redaction may name an event not stored (yet).
        assert_eq!(pairs, [("$topic1", "$redaction"), ("$later", "$early")]);
        let replaced = db
            .replaced_states(&["$topic1", "$topic2"])
            .await
            .expect("replaced");
        let pairs: Vec<(&str, &str)> = replaced
            .iter()
            .map(|l| (l.event_id.as_str(), l.linked.event_id.as_str()))
            .collect();
        assert_eq!(pairs, [("$topic2", "$topic1")]);
        assert!(db.redactions_of(&[]).await.expect("none").is_empty());
    })
    .await;
}

#[tokio::test]
async fn storage_forgotten_rooms_until_the_next_membership() {
    each_backend(|db| async move {
        let mut join = step("$join", "m.room.member", Some(ALICE));
        join.membership = Some("join");
        let mut leave = step("$leave", "m.room.member", Some(ALICE));
        leave.membership = Some("leave");
        let steps = [step("$create", "m.room.create", Some("")), join, leave];
        persist(&db, &steps).await;
        assert!(!db.is_room_forgotten(ALICE, ROOM).await.expect("forgotten"));
        db.forget_room(ALICE, ROOM, "$leave").await.expect("forget");
        db.forget_room(ALICE, ROOM, "$leave")
            .await
            .expect("forget twice");
        assert!(db.is_room_forgotten(ALICE, ROOM).await.expect("forgotten"));
        assert_eq!(db.forgotten_rooms(ALICE).await.expect("rooms"), [ROOM]);
        assert!(db.forgotten_rooms(BOB).await.expect("rooms").is_empty());
        // A new membership event un-forgets the room.
        let group = db
            .room_current_state_group(ROOM)
            .await
            .expect("g")
            .expect("group");
        db.persist_room_event(&RoomEventWrite {
            event: NewEvent {
                event_id: "$rejoin",
                room_id: ROOM,
                event_type: "m.room.member",
                state_key: Some(ALICE),
                sender: ALICE,
                origin_server_ts: 1,
                depth: 1,
                json: "{}",
                rejection_reason: None,
                outlier: false,
            },
            new_room: None,
            state_before: Some(group),
            prev_events: &["$leave".to_owned()],
            membership: Some("join"),
            transaction: None,
            redacts: None,
            replaces_state: Some("$leave"),
        })
        .await
        .expect("rejoin");
        assert!(!db.is_room_forgotten(ALICE, ROOM).await.expect("forgotten"));
        assert!(db.forgotten_rooms(ALICE).await.expect("rooms").is_empty());
    })
    .await;
}

#[tokio::test]
async fn storage_timeline_heads_of_many_rooms_with_their_state_groups() {
    each_backend(|db| async move {
        let at = persist(&db, &create_and_three_messages()).await;
        let heads = db
            .room_timeline_heads(&[ROOM, "!empty:example.org"], at[2].0, 2)
            .await
            .expect("heads");
        assert_eq!(heads.len(), 1, "a room without events is absent");
        let room = &heads[ROOM];
        let got: Vec<(&str, Option<StateGroupId>)> = room
            .iter()
            .map(|(event, group)| (event.event_id.as_str(), *group))
            .collect();
        assert_eq!(
            got,
            [("$m2", Some(at[2].1)), ("$m1", Some(at[1].1))],
            "the newest at or before upto, newest first, each with the state after it"
        );
    })
    .await;
}
