//! Room upgrades (sytest `tests/30rooms/60version_upgrade`): the tombstone, the predecessor,
//! the copied state, the moved aliases and publication, the restricted old room, and the
//! refusals. Every scenario runs on SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{
    call, create_room, encode, get_state, joined_rooms, membership, room_path, send_with_txn,
};
use crate::harness::{each_backend, register, request, Options, Session, TestServer};

async fn upgrade(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    version: &str,
) -> (u16, Value) {
    let body = json!({"new_version": version});
    call(
        server,
        session,
        Method::POST,
        &room_path(room_id, "upgrade"),
        Some(&body),
    )
    .await
}

async fn state_content(server: &TestServer, session: &Session, room: &str, kind: &str) -> Value {
    let (status, content) = get_state(server, session, room, kind, "").await;
    assert_eq!(status, 200, "{kind} in {room}: {content}");
    content
}

#[tokio::test]
async fn an_upgrade_replaces_the_room_and_carries_its_state_and_aliases() {
    for (from, to) in [("10", "11"), ("9", "12"), ("12", "12")] {
        each_backend(|backend| async move {
            let server = TestServer::start_with(Options::open_registration(backend)).await;
            let alice = register(&server, "alice", "wonderland").await;
            let bob = register(&server, "bob", "builder").await;
            let eve = register(&server, "eve", "evil").await;
            let old = create_room(
                &server,
                &alice,
                json!({
                    "room_version": from, "preset": "public_chat", "name": "Tea",
                    "topic": "Leaves", "room_alias_name": "tea", "visibility": "public",
                    "power_level_content_override": {"users_default": 10},
                }),
            )
            .await;
            membership(&server, &bob, &old, "join", json!({})).await;
            membership(&server, &eve, &old, "join", json!({})).await;
            membership(
                &server,
                &alice,
                &old,
                "ban",
                json!({"user_id": eve.user_id, "reason": "spam"}),
            )
            .await;

            let (status, body) = upgrade(&server, &bob, &old, to).await;
            assert_eq!(
                (status, body["errcode"].as_str()),
                (403, Some("M_FORBIDDEN")),
                "no power"
            );
            let (status, body) = upgrade(&server, &alice, &old, to).await;
            assert_eq!(status, 200, "{from} -> {to}: {body}");
            let new = body["replacement_room"]
                .as_str()
                .expect("replacement_room")
                .to_owned();
            assert_ne!(new, old);

            let tombstone = state_content(&server, &alice, &old, "m.room.tombstone").await;
            assert_eq!(tombstone["replacement_room"], new.as_str());
            let create = state_content(&server, &alice, &new, "m.room.create").await;
            assert_eq!(create["room_version"], to);
            assert_eq!(create["predecessor"]["room_id"], old.as_str());
            assert_eq!(
                create["predecessor"].get("event_id").is_some(),
                to != "12",
                "{create}"
            );
            for (kind, key, value) in [
                ("m.room.name", "name", "Tea"),
                ("m.room.topic", "topic", "Leaves"),
                ("m.room.join_rules", "join_rule", "public"),
                ("m.room.history_visibility", "history_visibility", "shared"),
            ] {
                assert_eq!(
                    state_content(&server, &alice, &new, kind).await[key],
                    value,
                    "{kind}"
                );
            }
            let levels = state_content(&server, &alice, &new, "m.room.power_levels").await;
            assert_eq!(levels["users_default"], 10);
            assert_eq!(
                levels["users"].get(&alice.user_id).is_some(),
                to != "12",
                "{levels}"
            );
            let (_, ban) = get_state(&server, &alice, &new, "m.room.member", &eve.user_id).await;
            assert_eq!(ban, json!({"membership": "ban", "reason": "spam"}));

            // Aliases, the canonical alias and publication moved.
            let tea = format!("#tea:{}", server.server_name);
            let path = format!("/_matrix/client/v3/directory/room/{}", encode(&tea));
            let (_, resolved) = request(&server, Method::GET, &path, None, None).await;
            assert_eq!(resolved["room_id"], new.as_str());
            let alias = state_content(&server, &alice, &new, "m.room.canonical_alias").await;
            assert_eq!(alias, json!({"alias": tea}));
            let old_alias = state_content(&server, &alice, &old, "m.room.canonical_alias").await;
            assert_eq!(old_alias, json!({}));
            let (_, listed) = call(
                &server,
                &bob,
                Method::GET,
                "/_matrix/client/v3/publicRooms",
                None,
            )
            .await;
            let ids: Vec<&str> = listed["chunk"]
                .as_array()
                .expect("chunk")
                .iter()
                .filter_map(|r| r["room_id"].as_str())
                .collect();
            assert_eq!(ids, vec![new.as_str()]);

            // The old room is closed to ordinary members; the upgrader moved, Bob can follow.
            let old_levels = state_content(&server, &alice, &old, "m.room.power_levels").await;
            assert_eq!(
                (
                    old_levels["events_default"].clone(),
                    old_levels["invite"].clone()
                ),
                (json!(50), json!(50))
            );
            let (status, _) = send_with_txn(&server, &bob, &old, "t1", "still here?").await;
            assert_eq!(status, 403);
            assert!(joined_rooms(&server, &alice).await.contains(&new));
            let (status, _) = membership(&server, &bob, &new, "join", json!({})).await;
            assert_eq!(status, 200);
        })
        .await;
    }
}

#[tokio::test]
async fn upgrades_need_a_known_version_and_membership() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let (status, body) = upgrade(&server, &alice, &room_id, "999").await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_UNSUPPORTED_ROOM_VERSION"))
        );
        let (status, body) = upgrade(&server, &bob, &room_id, "11").await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN"))
        );
        let unknown = format!("!unknown:{}", server.server_name);
        let (status, body) = upgrade(&server, &alice, &unknown, "11").await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (404, Some("M_NOT_FOUND"))
        );
        let path = room_path(&room_id, "upgrade");
        let (status, body) = call(&server, &alice, Method::POST, &path, Some(&json!({}))).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_BAD_JSON"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_space_keeps_its_type_and_children() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let child = create_room(&server, &alice, json!({})).await;
        let space = create_room(
            &server,
            &alice,
            json!({"creation_content": {"type": "m.space"}, "initial_state": [
                {"type": "m.space.child", "state_key": child, "content": {"via": [server.server_name]}},
            ]}),
        )
        .await;
        let (status, body) = upgrade(&server, &alice, &space, "11").await;
        assert_eq!(status, 200, "{body}");
        let new = body["replacement_room"].as_str().expect("replacement_room");
        let create = state_content(&server, &alice, new, "m.room.create").await;
        assert_eq!(create["type"], "m.space");
        let (status, content) = get_state(&server, &alice, new, "m.space.child", &child).await;
        assert_eq!((status, content), (200, json!({"via": [server.server_name]})));
    })
    .await;
}
