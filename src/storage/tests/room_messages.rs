//! Group commit of message events (`room_messages`).

use super::rooms::{create_join_message, event, ALICE, ROOM};
use crate::storage::testing::each_backend;
use crate::storage::{NewTransaction, RoomEventWrite, StorageError};

const PATH: &str = "rooms/!room:example.org/send/m.room.message";

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
        // create → join → "$message" (transaction t1).
        let [_, group, _] = create_join_message(&db).await;
        let (p1, p2, p3) = (
            ["$message".to_owned()],
            ["$m1".to_owned()],
            ["$m2".to_owned()],
        );
        let run = [
            message("$m1", &p1, group, "t2"),
            message("$m2", &p2, group, "t3"),
            message("$m3", &p3, group, "t4"),
        ];
        let positions = db.persist_room_messages(&run).await.expect("stored");
        assert_eq!(positions.len(), 3);
        assert!(
            positions.windows(2).all(|w| w[1].0 == w[0].0 + 1),
            "{positions:?}"
        );
        assert_eq!(
            db.forward_extremities(ROOM).await.expect("extremities"),
            vec!["$m3".to_owned()]
        );
        for (id, txn) in [("$m1", "t2"), ("$m2", "t3"), ("$m3", "t4")] {
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
            message("$m4", &p4, group, "t5"),
            message("$m5", &p5, group, "t1"),
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
