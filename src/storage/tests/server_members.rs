use crate::storage::testing::each_backend;
use crate::storage::{Database, NewEvent, NewRoom, RoomEventWrite, StateGroupId};

const ROOM: &str = "!room:example.org";

fn member<'a>(event_id: &'a str, user_id: &'a str) -> NewEvent<'a> {
    NewEvent {
        event_id,
        room_id: ROOM,
        event_type: "m.room.member",
        state_key: Some(user_id),
        sender: user_id,
        origin_server_ts: 1_700_000_000_000,
        depth: 1,
        json: "{}",
        rejection_reason: None,
        outlier: false,
    }
}

async fn add_member(
    db: &Database,
    before: Option<StateGroupId>,
    event_id: &str,
    user_id: &str,
    membership: &str,
) -> StateGroupId {
    let new_room = before.is_none().then_some(NewRoom {
        room_id: ROOM,
        room_version: "10",
        creator: user_id,
        created_ts: 1,
    });
    db.persist_room_event(&RoomEventWrite {
        event: member(event_id, user_id),
        new_room,
        state_before: before,
        prev_events: &[],
        membership: Some(membership),
        transaction: None,
        redacts: None,
        replaces_state: None,
    })
    .await
    .expect("member event")
    .state_group
}

#[tokio::test]
async fn storage_server_memberships_match_the_exact_server_part() {
    each_backend(|db| async move {
        let group = add_member(&db, None, "$1", "@alice:example.org", "join").await;
        let group = add_member(&db, Some(group), "$2", "@bob:remote.test:8448", "invite").await;
        let group = add_member(&db, Some(group), "$3", "@carol:remote.test", "leave").await;
        let group = add_member(&db, Some(group), "$4", "@dan:xremote.test", "join").await;
        add_member(&db, Some(group), "$5", "@eve:remote.test", "join").await;

        let of = |server: &'static str| {
            let db = db.clone();
            async move {
                db.server_memberships(ROOM, server)
                    .await
                    .expect("memberships")
                    .into_iter()
                    .map(|m| (m.user_id, m.membership))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            of("remote.test").await,
            vec![
                ("@carol:remote.test".to_owned(), "leave".to_owned()),
                ("@eve:remote.test".to_owned(), "join".to_owned()),
            ]
        );
        assert_eq!(
            of("remote.test:8448").await,
            vec![("@bob:remote.test:8448".to_owned(), "invite".to_owned())]
        );
        assert_eq!(of("test:8448").await, Vec::new());
        assert_eq!(of("elsewhere.test").await, Vec::new());
    })
    .await;
}
