//! Knocking (sytest `tests/30rooms/…knocking`, spec § "Knocking on rooms"): a knock in a room
//! whose join rule is `knock`, then the moderator's invite (or kick), then the join; the
//! refusals. Every scenario runs on SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode, get_state, membership, membership_of};
use crate::harness::{each_backend, register, Options, Session, TestServer};

fn knock_path(room: &str) -> String {
    format!("/_matrix/client/v3/knock/{}", encode(room))
}

async fn knock(server: &TestServer, session: &Session, room: &str, body: Value) -> (u16, Value) {
    call(
        server,
        session,
        Method::POST,
        &knock_path(room),
        Some(&body),
    )
    .await
}

fn knock_room_body(version: &str) -> Value {
    json!({
        "room_version": version,
        "preset": "private_chat",
        "room_alias_name": "door",
        "initial_state": [{"type": "m.room.join_rules", "content": {"join_rule": "knock"}}],
    })
}

#[tokio::test]
async fn a_knock_is_answered_with_an_invite_then_a_join() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let room_id = create_room(&server, &alice, knock_room_body("7")).await;
        // By alias, with a reason.
        let door = format!("#door:{}", server.server_name);
        let (status, body) = knock(&server, &bob, &door, json!({"reason": "let me in"})).await;
        assert_eq!((status, body), (200, json!({"room_id": room_id})));
        let (_, member) = get_state(&server, &alice, &room_id, "m.room.member", &bob.user_id).await;
        assert_eq!(
            member,
            json!({"membership": "knock", "reason": "let me in", "displayname": "bob"})
        );
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 403, "a knock is not a join: {body}");
        let invite = json!({"user_id": bob.user_id});
        let (status, _) = membership(&server, &alice, &room_id, "invite", invite).await;
        assert_eq!(status, 200);
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(
            membership_of(&server, &alice, &room_id, &bob.user_id)
                .await
                .as_deref(),
            Some("join")
        );
        let (status, body) = knock(&server, &bob, &room_id, json!({})).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN")),
            "joined"
        );
    })
    .await;
}

#[tokio::test]
async fn a_knock_can_be_refused_with_a_kick() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let room_id = create_room(&server, &alice, knock_room_body("10")).await;
        let (status, _) = knock(&server, &bob, &room_id, json!({})).await;
        assert_eq!(status, 200);
        let kick = json!({"user_id": bob.user_id, "reason": "no"});
        let (status, _) = membership(&server, &alice, &room_id, "kick", kick).await;
        assert_eq!(status, 200);
        assert_eq!(
            membership_of(&server, &alice, &room_id, &bob.user_id)
                .await
                .as_deref(),
            Some("leave")
        );
        // A knock can be retracted by leaving, too.
        let (status, _) = knock(&server, &bob, &room_id, json!({})).await;
        assert_eq!(status, 200);
        let (status, _) = membership(&server, &bob, &room_id, "leave", json!({})).await;
        assert_eq!(status, 200);
    })
    .await;
}

#[tokio::test]
async fn knocking_needs_a_knock_join_rule_and_a_room_version_with_knocking() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let invite_only = create_room(&server, &alice, json!({"preset": "private_chat"})).await;
        let (status, body) = knock(&server, &bob, &invite_only, json!({})).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN"))
        );
        let old = create_room(
            &server,
            &alice,
            json!({"room_version": "6", "preset": "private_chat"}),
        )
        .await;
        let (status, body) = knock(&server, &bob, &old, json!({})).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let missing = format!("#missing:{}", server.server_name);
        let (status, body) = knock(&server, &bob, &missing, json!({})).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (404, Some("M_NOT_FOUND"))
        );
        let unknown = format!("!unknown:{}", server.server_name);
        let (status, _) = knock(&server, &bob, &unknown, json!({})).await;
        assert_eq!(status, 404);
    })
    .await;
}
