use crate::storage::testing::each_backend;
use crate::storage::{StateGroupId, StateMap, StorageError};

const ROOM: &str = "!room:example.org";

fn map(entries: &[(&str, &str, &str)]) -> StateMap {
    entries
        .iter()
        .map(|(t, k, e)| (((*t).to_owned(), (*k).to_owned()), (*e).to_owned()))
        .collect()
}

#[tokio::test]
async fn storage_state_snapshot_and_delta_load_full_state() {
    each_backend(|db| async move {
        let root = db
            .store_state_snapshot(
                ROOM,
                None,
                &[
                    (("m.room.create", ""), Some("$create")),
                    (("m.room.member", "@a:x"), Some("$join_a")),
                    (("m.room.power_levels", ""), Some("$pl")),
                    (("m.room.topic", ""), None),
                ],
            )
            .await
            .expect("root");
        let child = db
            .store_state_snapshot(
                ROOM,
                Some(root),
                &[
                    (("m.room.member", "@b:x"), Some("$join_b")),
                    (("m.room.power_levels", ""), None),
                    (("m.room.member", "@a:x"), Some("$leave_a")),
                    (("m.room.member", "@b:x"), Some("$join_b2")),
                ],
            )
            .await
            .expect("child");
        let root_state = map(&[
            ("m.room.create", "", "$create"),
            ("m.room.member", "@a:x", "$join_a"),
            ("m.room.power_levels", "", "$pl"),
        ]);
        assert_eq!(db.load_state(root).await.expect("load"), root_state);
        assert_eq!(
            db.load_state(child).await.expect("load"),
            map(&[
                ("m.room.create", "", "$create"),
                ("m.room.member", "@a:x", "$leave_a"),
                ("m.room.member", "@b:x", "$join_b2"),
            ])
        );
        // A sibling branch does not see the other branch's changes.
        let sibling = db
            .store_state_snapshot(ROOM, Some(root), &[(("m.room.name", ""), Some("$name"))])
            .await
            .expect("sibling");
        let mut expected = root_state.clone();
        expected.insert(
            ("m.room.name".to_owned(), String::new()),
            "$name".to_owned(),
        );
        assert_eq!(db.load_state(sibling).await.expect("load"), expected);
        // An empty delta is a valid group with the parent's state.
        let same = db
            .store_state_snapshot(ROOM, Some(root), &[])
            .await
            .expect("empty");
        assert_eq!(db.load_state(same).await.expect("load"), root_state);
        let empty_root = db
            .store_state_snapshot(ROOM, None, &[])
            .await
            .expect("empty");
        assert!(db.load_state(empty_root).await.expect("load").is_empty());
    })
    .await;
}

#[tokio::test]
async fn storage_state_errors_are_typed() {
    each_backend(|db| async move {
        let missing = db
            .store_state_snapshot(ROOM, Some(StateGroupId(4242)), &[])
            .await;
        assert!(
            matches!(missing, Err(StorageError::NotFound(_))),
            "{missing:?}"
        );
        let load = db.load_state(StateGroupId(4242)).await;
        assert!(matches!(load, Err(StorageError::NotFound(_))), "{load:?}");
        let root = db
            .store_state_snapshot(ROOM, None, &[(("m.room.create", ""), Some("$c"))])
            .await
            .expect("root");
        let cross = db
            .store_state_snapshot("!elsewhere:x", Some(root), &[])
            .await;
        assert!(matches!(cross, Err(StorageError::Invalid(_))), "{cross:?}");
    })
    .await;
}

#[tokio::test]
async fn storage_room_and_event_state_groups() {
    each_backend(|db| async move {
        assert_eq!(db.room_current_state_group(ROOM).await.expect("get"), None);
        let first = db
            .store_state_snapshot(ROOM, None, &[(("m.room.create", ""), Some("$c"))])
            .await
            .expect("first");
        let second = db
            .store_state_snapshot(ROOM, Some(first), &[(("m.room.name", ""), Some("$n"))])
            .await
            .expect("second");
        db.set_room_current_state_group(ROOM, first)
            .await
            .expect("set");
        assert_eq!(
            db.room_current_state_group(ROOM).await.expect("get"),
            Some(first)
        );
        db.set_room_current_state_group(ROOM, second)
            .await
            .expect("set");
        assert_eq!(
            db.room_current_state_group(ROOM).await.expect("get"),
            Some(second)
        );

        db.set_event_state_group("$n", second).await.expect("set");
        assert_eq!(db.event_state_group("$n").await.expect("get"), Some(second));
        assert_eq!(db.event_state_group("$other").await.expect("get"), None);
        let again = db.set_event_state_group("$n", first).await;
        assert!(matches!(again, Err(StorageError::Conflict(_))), "{again:?}");
    })
    .await;
}

#[tokio::test]
async fn storage_state_large_snapshot_is_batched() {
    each_backend(|db| async move {
        let members: Vec<(String, String)> = (0..5_000)
            .map(|i| (format!("@user{i}:example.org"), format!("$join{i}")))
            .collect();
        let changes: Vec<((&str, &str), Option<&str>)> = members
            .iter()
            .map(|(user, event)| (("m.room.member", user.as_str()), Some(event.as_str())))
            .collect();
        let root = db
            .store_state_snapshot(ROOM, None, &changes)
            .await
            .expect("root");
        let state = db.load_state(root).await.expect("load");
        assert_eq!(state.len(), 5_000);
        assert_eq!(
            state.get(&(
                "m.room.member".to_owned(),
                "@user4999:example.org".to_owned()
            )),
            Some(&"$join4999".to_owned())
        );
        // Interning is shared: a second room with the same keys adds no state_keys rows.
        let other = db
            .store_state_snapshot("!other:x", None, &changes)
            .await
            .expect("other");
        assert_eq!(db.load_state(other).await.expect("load"), state);
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM state_keys")
            .fetch_one(&db.read)
            .await
            .expect("count");
        assert_eq!(keys, 5_000);
    })
    .await;
}
