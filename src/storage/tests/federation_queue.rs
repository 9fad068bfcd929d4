use crate::storage::testing::each_backend;
use crate::storage::{
    Database, DestinationRetry, NewEvent, NewRoom, OutgoingKind, OutgoingTransaction,
    RoomEventWrite,
};

const REMOTE: &str = "remote.example:8448";
const OTHER: &str = "other.example";

fn dest(name: &str) -> Vec<String> {
    vec![name.to_owned()]
}

async fn enqueue(db: &Database, destinations: &[String], kind: OutgoingKind, n: usize) {
    db.enqueue_outgoing(destinations, kind, &format!("{{\"n\":{n}}}"), 1_000)
        .await
        .expect("enqueue");
}

#[tokio::test]
async fn storage_outgoing_batches_keep_queue_order_and_limits() {
    each_backend(|db| async move {
        for n in 0..7 {
            enqueue(&db, &dest(REMOTE), OutgoingKind::Pdu, n).await;
        }
        for n in 100..103 {
            enqueue(&db, &dest(REMOTE), OutgoingKind::Edu, n).await;
        }
        enqueue(
            &db,
            &[OTHER.to_owned(), REMOTE.to_owned()],
            OutgoingKind::Pdu,
            7,
        )
        .await;
        assert_eq!(
            db.destinations_with_outgoing().await.expect("list"),
            [OTHER, REMOTE]
        );
        let first = db
            .next_outgoing_transaction(REMOTE, 5, 2, 5_000)
            .await
            .expect("batch")
            .expect("queued");
        let texts = |range: std::ops::Range<usize>| -> Vec<String> {
            range.map(|n| format!("{{\"n\":{n}}}")).collect()
        };
        assert_eq!(first.pdus, texts(0..5));
        assert_eq!(first.edus, texts(100..102));
        // Not accepted yet: the same transaction again, even with a later clock.
        let retry = db
            .next_outgoing_transaction(REMOTE, 50, 100, 9_000)
            .await
            .expect("batch")
            .expect("queued");
        assert_eq!(retry, first);
        db.complete_outgoing_transaction(REMOTE, &first.txn_id, 9_500)
            .await
            .expect("complete");
        let second: OutgoingTransaction = db
            .next_outgoing_transaction(REMOTE, 50, 100, 10_000)
            .await
            .expect("batch")
            .expect("queued");
        assert_ne!(second.txn_id, first.txn_id);
        let mut rest = texts(5..7);
        rest.push("{\"n\":7}".to_owned());
        assert_eq!(second.pdus, rest);
        assert_eq!(second.edus, texts(102..103));
        db.complete_outgoing_transaction(REMOTE, &second.txn_id, 10_500)
            .await
            .expect("complete");
        assert_eq!(
            db.next_outgoing_transaction(REMOTE, 50, 100, 11_000)
                .await
                .expect("batch"),
            None
        );
        assert!(!db.has_outgoing(REMOTE).await.expect("has"));
        assert!(db.has_outgoing(OTHER).await.expect("has"));
        assert_eq!(
            db.destinations_with_outgoing().await.expect("list"),
            [OTHER]
        );
    })
    .await;
}

#[tokio::test]
async fn storage_transaction_ids_are_not_reused_after_the_queue_empties() {
    each_backend(|db| async move {
        enqueue(&db, &dest(REMOTE), OutgoingKind::Pdu, 1).await;
        let first = db
            .next_outgoing_transaction(REMOTE, 50, 100, 1_000)
            .await
            .expect("batch")
            .expect("queued");
        db.complete_outgoing_transaction(REMOTE, &first.txn_id, 1_000)
            .await
            .expect("complete");
        // The same clock and an emptied table: the row id still differs.
        enqueue(&db, &dest(REMOTE), OutgoingKind::Pdu, 2).await;
        let second = db
            .next_outgoing_transaction(REMOTE, 50, 100, 1_000)
            .await
            .expect("batch")
            .expect("queued");
        assert_ne!(first.txn_id, second.txn_id);
    })
    .await;
}

#[tokio::test]
async fn storage_destination_backoff_is_kept_and_reset() {
    each_backend(|db| async move {
        assert_eq!(
            db.destination_retry(REMOTE).await.expect("retry"),
            DestinationRetry::default()
        );
        db.set_destination_backoff(REMOTE, 3, 50_000)
            .await
            .expect("backoff");
        assert_eq!(
            db.destination_retry(REMOTE).await.expect("retry"),
            DestinationRetry {
                failures: 3,
                retry_at_ts: Some(50_000),
                last_success_ts: None
            }
        );
        assert!(db.clear_destination_backoff(REMOTE).await.expect("clear"));
        assert!(!db.clear_destination_backoff(REMOTE).await.expect("clear"));
        db.set_destination_backoff(REMOTE, 1, 60_000)
            .await
            .expect("backoff");
        enqueue(&db, &dest(REMOTE), OutgoingKind::Edu, 1).await;
        let txn = db
            .next_outgoing_transaction(REMOTE, 50, 100, 61_000)
            .await
            .expect("batch")
            .expect("queued");
        db.complete_outgoing_transaction(REMOTE, &txn.txn_id, 62_000)
            .await
            .expect("complete");
        assert_eq!(
            db.destination_retry(REMOTE).await.expect("retry"),
            DestinationRetry {
                failures: 0,
                retry_at_ts: None,
                last_success_ts: Some(62_000)
            }
        );
    })
    .await;
}

#[tokio::test]
async fn storage_inbound_transactions_keep_the_first_response() {
    each_backend(|db| async move {
        assert_eq!(
            db.inbound_transaction(REMOTE, "t1").await.expect("get"),
            None
        );
        db.store_inbound_transaction(REMOTE, "t1", "{\"pdus\":{}}", 5)
            .await
            .expect("store");
        db.store_inbound_transaction(REMOTE, "t1", "{\"other\":1}", 6)
            .await
            .expect("store again");
        db.store_inbound_transaction(OTHER, "t1", "{}", 7)
            .await
            .expect("store");
        assert_eq!(
            db.inbound_transaction(REMOTE, "t1")
                .await
                .expect("get")
                .as_deref(),
            Some("{\"pdus\":{}}")
        );
        let all = db.inbound_transactions(REMOTE).await.expect("list");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].received_ts, 5);
    })
    .await;
}

#[tokio::test]
async fn storage_joined_servers_are_the_joined_members_servers() {
    each_backend(|db| async move {
        let room = "!r:here.example";
        let members = [
            ("@alice:here.example", "join"),
            ("@bob:remote.example:8448", "join"),
            ("@carol:remote.example:8448", "join"),
            ("@dan:other.example", "leave"),
            ("@erin:[::1]:8448", "join"),
        ];
        let mut state_before = None;
        let mut prev: Vec<String> = Vec::new();
        for (i, (user, membership)) in members.iter().enumerate() {
            let event_id = format!("$m{i}");
            let persisted = db
                .persist_room_event(&RoomEventWrite {
                    event: NewEvent {
                        event_id: &event_id,
                        room_id: room,
                        event_type: "m.room.member",
                        state_key: Some(user),
                        sender: user,
                        origin_server_ts: 1,
                        depth: i as i64 + 1,
                        json: "{}",
                        rejection_reason: None,
                        outlier: false,
                    },
                    new_room: (i == 0).then_some(NewRoom {
                        room_id: room,
                        room_version: "10",
                        creator: user,
                        created_ts: 1,
                    }),
                    state_before,
                    prev_events: &prev,
                    membership: Some(membership),
                    transaction: None,
                    redacts: None,
                    replaces_state: None,
                })
                .await
                .expect("persist");
            state_before = Some(persisted.state_group);
            prev = vec![event_id];
        }
        assert_eq!(
            db.joined_servers(room).await.expect("servers"),
            ["[::1]:8448", "here.example", "remote.example:8448"]
        );
        assert!(db
            .joined_servers("!none:x")
            .await
            .expect("servers")
            .is_empty());
    })
    .await;
}
