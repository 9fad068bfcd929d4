use crate::storage::testing::each_backend;
use crate::storage::{Database, NewEvent, NewRoom, RoomEventWrite, StateGroupId, StreamPosition};

const ROOM: &str = "!sync:example.org";
const ALICE: &str = "@alice:example.org";

/// Persists an event of `ROOM` after `prev` (with the state before it) and returns its group.
async fn append(
    db: &Database,
    event_id: &str,
    event_type: &str,
    state_key: Option<&str>,
    before: Option<(StateGroupId, &str)>,
    membership: Option<&str>,
) -> StateGroupId {
    let json = match membership {
        Some(membership) => format!(r#"{{"content":{{"membership":"{membership}"}}}}"#),
        None => "{}".to_owned(),
    };
    let prev: Vec<String> = before.iter().map(|(_, id)| (*id).to_owned()).collect();
    db.persist_room_event(&RoomEventWrite {
        event: NewEvent {
            event_id,
            room_id: ROOM,
            event_type,
            state_key,
            sender: ALICE,
            origin_server_ts: 1,
            depth: 1,
            json: &json,
            rejection_reason: None,
            outlier: false,
        },
        new_room: before.is_none().then_some(NewRoom {
            room_id: ROOM,
            room_version: "10",
            creator: ALICE,
            created_ts: 1,
        }),
        state_before: before.map(|(group, _)| group),
        prev_events: &prev,
        membership,
        transaction: None,
        redacts: None,
        replaces_state: None,
    })
    .await
    .expect("persist")
    .state_group
}

#[tokio::test]
async fn storage_account_data_changes_have_stream_positions() {
    each_backend(|db| async move {
        let positions = db.stream_positions().await.expect("positions");
        assert_eq!(positions.get("account_data"), Some(&StreamPosition(0)));
        let first = db
            .put_account_data(ALICE, None, "a", r#"{"n":1}"#)
            .await
            .expect("put");
        let second = db
            .put_account_data(ALICE, Some(ROOM), "m.tag", r#"{"tags":{}}"#)
            .await
            .expect("put");
        let third = db
            .put_account_data(ALICE, None, "a", r#"{"n":2}"#)
            .await
            .expect("put");
        assert!(first < second && second < third);
        assert_eq!(
            db.get_account_data(ALICE, None, "a").await.expect("get"),
            Some(r#"{"n":2}"#.to_owned())
        );
        assert_eq!(
            db.get_account_data(ALICE, None, "m.tag")
                .await
                .expect("get"),
            None,
            "room and global data are apart"
        );
        let all = db
            .account_data_changes(ALICE, StreamPosition(0), third)
            .await
            .expect("changes");
        let kinds: Vec<(Option<&str>, &str)> = all
            .iter()
            .map(|e| (e.room_id.as_deref(), e.data_type.as_str()))
            .collect();
        assert_eq!(kinds, [(Some(ROOM), "m.tag"), (None, "a")]);
        let later = db
            .account_data_changes(ALICE, second, third)
            .await
            .expect("changes");
        assert_eq!(later.len(), 1);
        assert!(db
            .account_data_changes("@bob:example.org", StreamPosition(0), third)
            .await
            .expect("changes")
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn storage_filters_are_numbered_per_user() {
    each_backend(|db| async move {
        assert_eq!(db.insert_filter(ALICE, "{}").await.expect("insert"), 0);
        assert_eq!(
            db.insert_filter(ALICE, r#"{"a":1}"#).await.expect("insert"),
            1
        );
        assert_eq!(
            db.insert_filter("@bob:example.org", "{}")
                .await
                .expect("insert"),
            0
        );
        assert_eq!(
            db.get_filter(ALICE, 1).await.expect("get"),
            Some(r#"{"a":1}"#.to_owned())
        );
        assert_eq!(db.get_filter(ALICE, 2).await.expect("get"), None);
    })
    .await;
}

#[tokio::test]
async fn storage_sync_reads_memberships_and_ranges_by_position() {
    each_backend(|db| async move {
        let create = append(&db, "$create", "m.room.create", Some(""), None, None).await;
        let join = append(
            &db,
            "$join",
            "m.room.member",
            Some(ALICE),
            Some((create, "$create")),
            Some("join"),
        )
        .await;
        let after_join = db.max_stream_position().await.expect("position");
        append(
            &db,
            "$m1",
            "m.room.message",
            None,
            Some((join, "$join")),
            None,
        )
        .await;
        let leave = append(
            &db,
            "$leave",
            "m.room.member",
            Some(ALICE),
            Some((join, "$m1")),
            Some("leave"),
        )
        .await;
        let end = db.max_stream_position().await.expect("position");

        let memberships = db.user_memberships(ALICE).await.expect("memberships");
        assert_eq!(memberships.len(), 1);
        assert_eq!(memberships[0].membership, "leave");
        assert_eq!(memberships[0].stream_position, end);
        let at_join = db
            .member_event_at(ROOM, ALICE, after_join)
            .await
            .expect("member event")
            .expect("the join");
        assert_eq!(at_join.event_id, "$join");

        assert_eq!(
            db.rooms_with_events_between(after_join, end)
                .await
                .expect("rooms"),
            [ROOM.to_owned()]
        );
        assert!(db
            .rooms_with_events_between(end, end)
            .await
            .expect("rooms")
            .is_empty());
        let newest: Vec<String> = db
            .room_events_between_desc(ROOM, after_join, end, 10)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.event_id)
            .collect();
        assert_eq!(newest, ["$leave", "$m1"]);
        assert_eq!(
            db.room_state_group_at(ROOM, after_join)
                .await
                .expect("group"),
            Some(join)
        );
        assert_eq!(
            db.room_state_group_at(ROOM, end).await.expect("group"),
            Some(leave)
        );
        assert_eq!(
            db.room_state_group_at(ROOM, StreamPosition(0))
                .await
                .expect("group"),
            None
        );
        let groups = db
            .event_state_groups(&["$m1", "$unknown"])
            .await
            .expect("groups");
        assert_eq!(groups.get("$m1"), Some(&join));
        assert_eq!(groups.len(), 1);
        assert!(db
            .room_interested_users(ROOM)
            .await
            .expect("users")
            .is_empty());
        let summary = db.room_summary(ROOM, ALICE, 5).await.expect("summary");
        assert_eq!(summary.counts.get("leave"), Some(&1));
        assert!(summary.heroes.is_empty(), "{summary:?}");
    })
    .await;
}
