use crate::storage::testing::each_backend;
use crate::storage::{
    Database, EventTransaction, NewEvent, NewRoom, NewTransaction, RoomEventWrite, StateGroupId,
    StorageError,
};

pub(super) const ROOM: &str = "!room:example.org";
pub(super) const ALICE: &str = "@alice:example.org";

pub(super) fn event<'a>(
    event_id: &'a str,
    event_type: &'a str,
    state_key: Option<&'a str>,
) -> NewEvent<'a> {
    NewEvent {
        event_id,
        room_id: ROOM,
        event_type,
        state_key,
        sender: ALICE,
        origin_server_ts: 1_700_000_000_000,
        depth: 1,
        json: "{}",
        rejection_reason: None,
        outlier: false,
    }
}

/// Persists create → join → message, returning the state groups after each.
pub(super) async fn create_join_message(db: &Database) -> [StateGroupId; 3] {
    let create = db
        .persist_room_event(&RoomEventWrite {
            event: event("$create", "m.room.create", Some("")),
            new_room: Some(NewRoom {
                room_id: ROOM,
                room_version: "10",
                creator: ALICE,
                created_ts: 1,
            }),
            state_before: None,
            prev_events: &[],
            membership: None,
            transaction: None,
            redacts: None,
            replaces_state: None,
        })
        .await
        .expect("create");
    let prev = ["$create".to_owned()];
    let join = db
        .persist_room_event(&RoomEventWrite {
            event: event("$join", "m.room.member", Some(ALICE)),
            new_room: None,
            state_before: Some(create.state_group),
            prev_events: &prev,
            membership: Some("join"),
            transaction: None,
            redacts: None,
            replaces_state: None,
        })
        .await
        .expect("join");
    let prev = ["$join".to_owned()];
    let message = db
        .persist_room_event(&RoomEventWrite {
            event: event("$message", "m.room.message", None),
            new_room: None,
            state_before: Some(join.state_group),
            prev_events: &prev,
            membership: None,
            transaction: Some(NewTransaction {
                user_id: ALICE,
                device_id: "PHONE",
                request_path: "rooms/!room:example.org/send/m.room.message",
                txn_id: "t1",
                created_ts: 2,
            }),
            redacts: None,
            replaces_state: None,
        })
        .await
        .expect("message");
    [create.state_group, join.state_group, message.state_group]
}

#[tokio::test]
async fn storage_room_events_carry_state_extremities_and_membership() {
    each_backend(|db| async move {
        let [create, join, message] = create_join_message(&db).await;
        assert_ne!(create, join);
        assert_eq!(join, message, "a message does not change the state");
        let room = db.get_room(ROOM).await.expect("room").expect("known");
        assert_eq!(
            (room.room_version.as_str(), room.creator.as_str()),
            ("10", ALICE)
        );
        assert_eq!(
            db.room_current_state_group(ROOM).await.expect("current"),
            Some(join)
        );
        assert_eq!(
            db.event_state_group("$message").await.expect("group"),
            Some(join)
        );
        let state = db.load_state(join).await.expect("state");
        assert_eq!(state.len(), 2);
        assert_eq!(
            db.forward_extremities(ROOM).await.expect("extremities"),
            vec!["$message".to_owned()]
        );
        let member = db.membership(ROOM, ALICE).await.expect("membership");
        assert_eq!(
            member.map(|m| (m.membership, m.event_id)),
            Some(("join".to_owned(), "$join".to_owned()))
        );
        assert_eq!(
            db.rooms_with_membership(ALICE, "join")
                .await
                .expect("rooms"),
            vec![ROOM.to_owned()]
        );
        assert_eq!(
            db.members_with_membership(ROOM, "join")
                .await
                .expect("members")
                .len(),
            1
        );
        let path = "rooms/!room:example.org/send/m.room.message";
        assert_eq!(
            db.transaction_event(ALICE, "PHONE", path, "t1")
                .await
                .expect("txn"),
            Some("$message".to_owned())
        );
        assert_eq!(
            db.transaction_event(ALICE, "LAPTOP", path, "t1")
                .await
                .expect("txn"),
            None
        );
        assert_eq!(
            db.event_transaction("$message").await.expect("txn"),
            Some(EventTransaction {
                user_id: ALICE.to_owned(),
                device_id: "PHONE".to_owned(),
                txn_id: "t1".to_owned(),
            })
        );
    })
    .await;
}

#[tokio::test]
async fn storage_a_failed_room_event_write_changes_nothing() {
    each_backend(|db| async move {
        let [_, join, _] = create_join_message(&db).await;
        let prev = ["$message".to_owned()];
        // The event id is taken: the whole write is rolled back.
        let result = db
            .persist_room_event(&RoomEventWrite {
                event: event("$join", "m.room.member", Some("@bob:example.org")),
                new_room: None,
                state_before: Some(join),
                prev_events: &prev,
                membership: Some("join"),
                transaction: None,
                redacts: None,
                replaces_state: None,
            })
            .await;
        assert!(
            matches!(result, Err(StorageError::Conflict(_))),
            "{result:?}"
        );
        assert_eq!(
            db.membership(ROOM, "@bob:example.org").await.expect("m"),
            None
        );
        assert_eq!(
            db.forward_extremities(ROOM).await.expect("extremities"),
            vec!["$message".to_owned()]
        );
        assert_eq!(
            db.room_current_state_group(ROOM).await.expect("c"),
            Some(join)
        );
    })
    .await;
}
