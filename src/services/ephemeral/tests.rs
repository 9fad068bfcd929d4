//! Typing notices and receipts from other servers (EDUs), on both backends.

use std::sync::Arc;

use serde_json::json;

use crate::services::account_data::AccountData;
use crate::services::ephemeral::receipts::Receipts;
use crate::services::ephemeral::typing::Typing;
use crate::services::notifier::Notifier;
use crate::storage::testing::each_backend;
use crate::storage::{Database, NewEvent, NewRoom, RoomEventWrite, StreamPosition};

const ROOM: &str = "!r:here.example";
const ALICE: &str = "@alice:here.example";
const BOB: &str = "@bob:remote.example";

/// A room with Alice and Bob (from remote.example) joined and a message `$m`.
async fn room_with_remote_member(db: &Database) {
    let events = [
        ("$create", "m.room.create", Some(""), None),
        ("$alice", "m.room.member", Some(ALICE), Some("join")),
        ("$bob", "m.room.member", Some(BOB), Some("join")),
        ("$m", "m.room.message", None, None),
    ];
    let mut state_before = None;
    let mut prev: Vec<String> = Vec::new();
    for (depth, (event_id, event_type, state_key, membership)) in events.into_iter().enumerate() {
        let persisted = db
            .persist_room_event(&RoomEventWrite {
                event: NewEvent {
                    event_id,
                    room_id: ROOM,
                    event_type,
                    state_key,
                    sender: ALICE,
                    origin_server_ts: 1,
                    depth: depth as i64 + 1,
                    json: "{}",
                    rejection_reason: None,
                    outlier: false,
                },
                new_room: (depth == 0).then_some(NewRoom {
                    room_id: ROOM,
                    room_version: "10",
                    creator: ALICE,
                    created_ts: 1,
                }),
                state_before,
                prev_events: &prev,
                membership,
                transaction: None,
                redacts: None,
                replaces_state: None,
            })
            .await
            .expect("persist");
        state_before = Some(persisted.state_group);
        prev = vec![event_id.to_owned()];
    }
}

#[tokio::test]
async fn remote_typing_needs_the_senders_own_joined_user() {
    each_backend(|db| async move {
        room_with_remote_member(&db).await;
        let typing = Typing::new(db.clone(), Arc::new(Notifier::default()));
        // Another server's user, or a user not in the room: ignored.
        typing
            .remote_typing("evil.example", ROOM, BOB, true)
            .await
            .expect("typing");
        typing
            .remote_typing("remote.example", ROOM, "@carl:remote.example", true)
            .await
            .expect("typing");
        assert_eq!(typing.typing_since(ROOM, None), None);
        typing
            .remote_typing("remote.example", ROOM, BOB, true)
            .await
            .expect("typing");
        assert_eq!(typing.typing_since(ROOM, None), Some(vec![BOB.to_owned()]));
        typing
            .remote_typing("remote.example", ROOM, BOB, false)
            .await
            .expect("typing");
        assert_eq!(typing.typing_since(ROOM, Some(0)), Some(vec![]));
    })
    .await;
}

#[tokio::test]
async fn remote_read_receipts_are_stored_for_the_senders_joined_users() {
    each_backend(|db| async move {
        room_with_remote_member(&db).await;
        let notifier = Arc::new(Notifier::default());
        let account_data = Arc::new(AccountData::new(db.clone(), Arc::clone(&notifier)));
        let receipts = Receipts::new(db.clone(), notifier, account_data);
        let edu = |user: &str, event: &str| {
            json!({ROOM: {"m.read": {user: {"event_ids": [event], "data": {"ts": 5}}}}})
        };
        for (origin, content) in [
            ("evil.example", edu(BOB, "$m")),
            ("remote.example", edu("@carl:remote.example", "$m")),
            ("remote.example", edu(BOB, "$unknown")),
            ("remote.example", json!("not an object")),
        ] {
            receipts
                .remote_receipts(origin, &content)
                .await
                .expect("receipts");
        }
        let stored = || {
            db.room_receipts_between(ROOM, StreamPosition(0), StreamPosition(i64::MAX))
        };
        assert!(stored().await.expect("receipts").is_empty());
        receipts
            .remote_receipts("remote.example", &edu(BOB, "$m"))
            .await
            .expect("receipts");
        let stored = stored().await.expect("receipts");
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (stored[0].user_id.as_str(), stored[0].event_id.as_str(), stored[0].ts),
            (BOB, "$m", 5)
        );
    })
    .await;
}
