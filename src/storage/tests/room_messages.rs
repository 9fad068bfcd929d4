//! Group commit of message events (`room_messages`).

use crate::storage::testing::each_backend;
use crate::storage::{NewEvent, NewRoom, NewTransaction, RoomEventWrite, StorageError};

const ROOM: &str = "!batch:example.org";
const ALICE: &str = "@alice:example.org";
const PATH: &str = "rooms/!batch:example.org/send/m.room.message";

fn event<'a>(event_id: &'a str, event_type: &'a str, state_key: Option<&'a str>) -> NewEvent<'a> {
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

fn message<'a>(
    event_id: &'a str,
    prev: &'a [String],
    state: crate::storage::StateGroupId,
    txn_id: &'a str,
) -> RoomEventWrite<'a> {
    RoomEventWrite {
        event: event(event_id, "m.room.message", None),
        new_room: None,
        state_before: Some(state),
        prev_events: prev,
        membership: None,
        transaction: Some(NewTransaction {
            user_id: ALICE,
            device_id: "PHONE",
            request_path: PATH,
            txn_id,
            created_ts: 2,
        }),
        redacts: None,
        replaces_state: None,
    }
}

#[tokio::test]
async fn storage_a_run_of_messages_is_stored_in_order_with_one_extremity() {
    each_backend(|db| async move {
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
        let group = create.state_group;
        let (p1, p2, p3) = (
            ["$create".to_owned()],
            ["$m1".to_owned()],
            ["$m2".to_owned()],
        );
        let run = [
            message("$m1", &p1, group, "t1"),
            message("$m2", &p2, group, "t2"),
            message("$m3", &p3, group, "t3"),
        ];
        let positions = db.persist_room_messages(&run).await.expect("stored");
        assert_eq!(positions.len(), 3);
        assert!(
            positions.windows(2).all(|w| w[1].0 == w[0].0 + 1),
            "{positions:?}"
        );
        assert!(positions[0] > create.stream_position);
        assert_eq!(
            db.forward_extremities(ROOM).await.expect("extremities"),
            vec!["$m3".to_owned()]
        );
        for (id, txn) in [("$m1", "t1"), ("$m2", "t2"), ("$m3", "t3")] {
            assert_eq!(db.event_state_group(id).await.expect("group"), Some(group));
            assert_eq!(
                db.transaction_event(ALICE, "PHONE", PATH, txn)
                    .await
                    .expect("txn"),
                Some(id.to_owned())
            );
        }
        assert_eq!(
            db.room_current_state_group(ROOM).await.expect("current"),
            Some(group)
        );

        // A used transaction id fails the whole run: nothing of it is stored.
        let (p4, p5) = (["$m3".to_owned()], ["$m4".to_owned()]);
        let again = [
            message("$m4", &p4, group, "t4"),
            message("$m5", &p5, group, "t2"),
        ];
        let refused = db.persist_room_messages(&again).await;
        assert!(
            matches!(refused, Err(StorageError::Conflict(_))),
            "{refused:?}"
        );
        assert_eq!(db.get_event("$m4").await.expect("read"), None);
        assert_eq!(
            db.forward_extremities(ROOM).await.expect("extremities"),
            vec!["$m3".to_owned()]
        );

        // A state event is not a message.
        let state = [RoomEventWrite {
            event: event("$topic", "m.room.topic", Some("")),
            ..message("$topic", &p4, group, "t9")
        }];
        let invalid = db.persist_room_messages(&state).await;
        assert!(
            matches!(invalid, Err(StorageError::Invalid(_))),
            "{invalid:?}"
        );
    })
    .await;
}
