use crate::storage::testing::each_backend;
use crate::storage::{NewReceipt, StreamPosition};

const ROOM: &str = "!room:example.org";
const ALICE: &str = "@alice:example.org";

fn receipt<'a>(
    receipt_type: &'a str,
    thread_id: Option<&'a str>,
    event_id: &'a str,
    position: i64,
) -> NewReceipt<'a> {
    NewReceipt {
        room_id: ROOM,
        receipt_type,
        user_id: ALICE,
        thread_id,
        event_id,
        event_position: StreamPosition(position),
        ts: 1_000 + position,
    }
}

#[tokio::test]
async fn storage_receipts_move_forward_per_type_and_thread() {
    each_backend(|db| async move {
        let first = db
            .put_receipt(&receipt("m.read", None, "$b", 20))
            .await
            .expect("put")
            .expect("stored");
        // An earlier event: ignored, no new stream position.
        let older = db.put_receipt(&receipt("m.read", None, "$a", 10)).await;
        assert_eq!(older.expect("put"), None);
        // Another type and another thread are separate receipts.
        let private = db
            .put_receipt(&receipt("m.read.private", Some("$root"), "$a", 10))
            .await
            .expect("put")
            .expect("stored");
        assert!(private > first);
        let rooms = db
            .rooms_with_receipts_between(StreamPosition(0), private)
            .await
            .expect("rooms");
        assert_eq!(rooms, [ROOM]);
        let since_first = db
            .room_receipts_between(ROOM, first, private)
            .await
            .expect("receipts");
        assert_eq!(since_first.len(), 1);
        assert_eq!(since_first[0].thread_id.as_deref(), Some("$root"));
        assert_eq!(since_first[0].event_id, "$a");
        let mut read = db.read_positions(ROOM, ALICE).await.expect("read");
        read.sort();
        assert_eq!(
            read,
            [
                (String::new(), StreamPosition(20)),
                ("$root".to_owned(), StreamPosition(10))
            ]
        );
    })
    .await;
}
