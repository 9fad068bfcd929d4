use std::collections::BTreeMap;

use crate::storage::testing::each_backend;
use crate::storage::{Database, NewToDevice, NewUser, StreamPosition};

const BOB: &str = "@bob:example.org";

async fn bob_with_devices(db: &Database, devices: &[&str]) {
    db.create_user(&NewUser {
        user_id: BOB,
        password_hash: None,
        is_admin: false,
        creation_ts: 1,
    })
    .await
    .expect("user");
    for device in devices {
        db.create_device(BOB, device, None, 1)
            .await
            .expect("device");
    }
}

fn messages(by_device: &[(&str, &str)]) -> BTreeMap<String, BTreeMap<String, String>> {
    let by_device = by_device
        .iter()
        .map(|(device, content)| ((*device).to_owned(), (*content).to_owned()))
        .collect();
    BTreeMap::from([(BOB.to_owned(), by_device)])
}

fn request<'a>(
    txn_id: &'a str,
    messages: &'a BTreeMap<String, BTreeMap<String, String>>,
) -> NewToDevice<'a> {
    NewToDevice {
        sender: "@alice:example.org",
        event_type: "m.test",
        key: ("@alice:example.org", "ALICEDEV", txn_id),
        messages,
        received_ts: 1,
    }
}

#[tokio::test]
async fn storage_to_device_messages_are_stored_once_read_by_range_and_deleted() {
    each_backend(|db| async move {
        bob_with_devices(&db, &["B1", "B2"]).await;
        let star = messages(&[("*", r#"{"n":1}"#)]);
        let stored = db
            .store_to_device(&request("t1", &star))
            .await
            .expect("store");
        assert_eq!(stored, Some(vec![BOB.to_owned()]));
        // The same key again: nothing stored.
        let again = db
            .store_to_device(&request("t1", &star))
            .await
            .expect("store");
        assert_eq!(again, None);
        assert!(db
            .to_device_taken_in(("@alice:example.org", "ALICEDEV", "t1"))
            .await
            .expect("taken"));
        let one = messages(&[("B1", r#"{"n":2}"#), ("GONE", "{}")]);
        db.store_to_device(&request("t2", &one))
            .await
            .expect("store");
        let upto = db.stream_positions().await.expect("positions")["to_device"];
        let read = |device: &'static str, after: i64| {
            let db = db.clone();
            async move {
                db.to_device_messages(BOB, device, StreamPosition(after), upto, 100)
                    .await
                    .expect("read")
                    .into_iter()
                    .map(|m| (m.position.0, m.content))
                    .collect::<Vec<_>>()
            }
        };
        let b1 = read("B1", 0).await;
        assert_eq!(b1.len(), 2, "{b1:?}");
        assert_eq!(b1[1].1, r#"{"n":2}"#);
        assert_eq!(read("B2", 0).await.len(), 1);
        assert_eq!(read("B1", b1[0].0).await.len(), 1);
        // Acknowledged up to the first: only the second stays.
        db.delete_to_device_messages(BOB, "B1", StreamPosition(b1[0].0))
            .await
            .expect("delete");
        assert_eq!(read("B1", 0).await, b1[1..]);
        // Deleting the device deletes its inbox.
        db.delete_device(BOB, "B1").await.expect("delete device");
        assert_eq!(read("B1", 0).await, []);
        assert_eq!(read("B2", 0).await.len(), 1);
    })
    .await;
}
