use crate::storage::testing::each_backend;
use crate::storage::{NewEvent, StorageError, StreamPosition};

const ROOM: &str = "!room:example.org";
const OTHER_ROOM: &str = "!other:example.org";

fn event<'a>(event_id: &'a str, room_id: &'a str, json: &'a str) -> NewEvent<'a> {
    NewEvent {
        event_id,
        room_id,
        event_type: "m.room.message",
        state_key: None,
        sender: "@alice:example.org",
        origin_server_ts: 1_700_000_000_000,
        depth: 1,
        json,
        rejection_reason: None,
        outlier: false,
    }
}

#[tokio::test]
async fn storage_events_persist_in_monotonic_stream_order() {
    each_backend(|db| async move {
        assert_eq!(
            db.max_stream_position().await.expect("max"),
            StreamPosition(0)
        );
        let mut positions = Vec::new();
        for i in 0..10 {
            let id = format!("$e{i}");
            let json = format!(r#"{{"n":{i}}}"#);
            let room = if i % 2 == 0 { ROOM } else { OTHER_ROOM };
            let new = NewEvent {
                depth: i,
                ..event(&id, room, &json)
            };
            positions.push(db.persist_event(&new).await.expect("persist"));
        }
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert_eq!(positions[0], StreamPosition(1));
        assert_eq!(db.max_stream_position().await.expect("max"), positions[9]);

        let duplicate = db.persist_event(&event("$e3", ROOM, "{}")).await;
        assert!(
            matches!(duplicate, Err(StorageError::Conflict(_))),
            "{duplicate:?}"
        );
        assert_eq!(db.max_stream_position().await.expect("max"), positions[9]);
        let next = db
            .persist_event(&event("$e10", ROOM, "{}"))
            .await
            .expect("persist");
        assert_eq!(next.0, positions[9].0 + 1, "a conflict uses up no position");

        assert_eq!(
            db.get_event_json("$e4").await.expect("json").as_deref(),
            Some(r#"{"n":4}"#)
        );
        assert_eq!(db.get_event_json("$missing").await.expect("json"), None);

        let found = db
            .events_by_ids(&["$e7", "$missing", "$e2", "$e7"])
            .await
            .expect("by ids");
        let ids: Vec<&str> = found.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["$e2", "$e7"]);
        assert_eq!(found[1].room_id, OTHER_ROOM);
        assert_eq!(found[1].depth, 7);
    })
    .await;
}

#[tokio::test]
async fn storage_events_keep_rejection_outlier_and_state_key() {
    each_backend(|db| async move {
        let rejected = NewEvent {
            event_type: "m.room.member",
            state_key: Some("@mallory:evil.example"),
            rejection_reason: Some("auth_error: not invited"),
            ..event("$rejected", ROOM, "{}")
        };
        db.persist_event(&rejected).await.expect("rejected");
        let outlier = NewEvent {
            outlier: true,
            ..event("$outlier", ROOM, "{}")
        };
        db.persist_event(&outlier).await.expect("outlier");
        let normal = db
            .persist_event(&event("$normal", ROOM, "{}"))
            .await
            .expect("normal");

        let stored = db
            .get_event("$rejected")
            .await
            .expect("get")
            .expect("stored");
        assert_eq!(
            stored.rejection_reason.as_deref(),
            Some("auth_error: not invited")
        );
        assert_eq!(stored.state_key.as_deref(), Some("@mallory:evil.example"));
        assert_eq!(stored.event_type, "m.room.member");
        assert!(!stored.outlier);
        let stored = db
            .get_event("$outlier")
            .await
            .expect("get")
            .expect("stored");
        assert!(stored.outlier);
        assert_eq!(stored.rejection_reason, None);
        assert_eq!(stored.state_key, None);

        let timeline = db
            .room_events_after(ROOM, StreamPosition(0), 10)
            .await
            .expect("timeline");
        let ids: Vec<&str> = timeline.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["$normal"]);
        assert_eq!(timeline[0].stream_position, normal);
    })
    .await;
}

#[tokio::test]
async fn storage_room_events_after_pages_in_order() {
    each_backend(|db| async move {
        for i in 0..7 {
            let id = format!("$p{i}");
            db.persist_event(&event(&id, ROOM, "{}"))
                .await
                .expect("persist");
        }
        let first = db
            .room_events_after(ROOM, StreamPosition(0), 3)
            .await
            .expect("page");
        assert_eq!(first.len(), 3);
        let second = db
            .room_events_after(ROOM, first[2].stream_position, 10)
            .await
            .expect("page");
        let ids: Vec<&str> = second.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["$p3", "$p4", "$p5", "$p6"]);
        let none = db
            .room_events_after(OTHER_ROOM, StreamPosition(0), 10)
            .await
            .expect("page");
        assert!(none.is_empty());
    })
    .await;
}

#[tokio::test]
async fn storage_concurrent_persists_get_distinct_contiguous_positions() {
    each_backend(|db| async move {
        let mut tasks = Vec::new();
        for i in 0..30 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let id = format!("$c{i}");
                db.persist_event(&event(&id, ROOM, "{}")).await
            }));
        }
        let mut positions = Vec::new();
        for task in tasks {
            positions.push(task.await.expect("task").expect("persist").0);
        }
        positions.sort_unstable();
        assert_eq!(positions, (1..=30).collect::<Vec<i64>>());
    })
    .await;
}
