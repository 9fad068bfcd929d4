//! History visibility through `/messages` and `/context`: `world_readable`, `shared`,
//! `invited` and `joined`, for users who joined later, were invited, or left.

use reqwest::Method;
use serde_json::{json, Value};

use super::{alice_and_bob, bodies, errcode, messages, query_value};
use crate::harness::rooms::{
    call, create_room, encode, membership, put_state, room_path, send_message,
};
use crate::harness::{each_backend, Session, TestServer};

/// Every message `session` sees in the room, oldest first (paginating backwards).
async fn visible(server: &TestServer, session: &Session, room_id: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut query = "dir=b&limit=3".to_owned();
    for _ in 0..50 {
        let (status, body) = messages(server, session, room_id, &query).await;
        assert_eq!(status, 200, "{body}");
        seen.extend(bodies(&body["chunk"]));
        match body["end"].as_str() {
            Some(end) => query = format!("dir=b&limit=3&from={}", query_value(end)),
            None => break,
        }
    }
    seen.reverse();
    seen
}

/// A public room with `visibility` and one message, "before".
async fn room_with(server: &TestServer, alice: &Session, visibility: &str) -> String {
    let room_id = create_room(server, alice, json!({"preset": "public_chat"})).await;
    let content = json!({"history_visibility": visibility});
    let (status, body) = put_state(
        server,
        alice,
        &room_id,
        "m.room.history_visibility",
        "",
        content,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    send_message(server, alice, &room_id, "before").await;
    room_id
}

/// Bob is invited, a message is sent, bob joins, another message is sent.
async fn invite_then_join(server: &TestServer, alice: &Session, bob: &Session, room_id: &str) {
    let invite = json!({"user_id": bob.user_id});
    assert_eq!(
        membership(server, alice, room_id, "invite", invite).await.0,
        200
    );
    send_message(server, alice, room_id, "invited").await;
    assert_eq!(
        membership(server, bob, room_id, "join", json!({})).await.0,
        200
    );
    send_message(server, alice, room_id, "joined").await;
}

#[tokio::test]
async fn world_readable_history_is_readable_by_anyone() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = room_with(&server, &alice, "world_readable").await;
        send_message(&server, &alice, &room_id, "after").await;
        assert_eq!(visible(&server, &bob, &room_id).await, ["before", "after"]);
    })
    .await;
}

#[tokio::test]
async fn shared_history_is_visible_to_members_who_joined_later() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = room_with(&server, &alice, "shared").await;
        let (status, body) = messages(&server, &bob, &room_id, "dir=b").await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        invite_then_join(&server, &alice, &bob, &room_id).await;
        assert_eq!(
            visible(&server, &bob, &room_id).await,
            ["before", "invited", "joined"]
        );
        // Bob leaves: what was sent before his leave stays visible, nothing after it.
        assert_eq!(
            membership(&server, &bob, &room_id, "leave", json!({}))
                .await
                .0,
            200
        );
        send_message(&server, &alice, &room_id, "later").await;
        assert_eq!(
            visible(&server, &bob, &room_id).await,
            ["before", "invited", "joined"]
        );
        let (status, body) = messages(&server, &bob, &room_id, "dir=f&limit=100").await;
        assert_eq!(status, 200);
        let chunk = body["chunk"].as_array().unwrap();
        let last: &Value = chunk.last().unwrap();
        assert_eq!(
            (
                last["type"].as_str(),
                last["content"]["membership"].as_str()
            ),
            (Some("m.room.member"), Some("leave")),
            "forwards stops at the leave: {body}"
        );
    })
    .await;
}

#[tokio::test]
async fn invited_history_is_visible_from_the_invite() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = room_with(&server, &alice, "invited").await;
        invite_then_join(&server, &alice, &bob, &room_id).await;
        assert_eq!(
            visible(&server, &bob, &room_id).await,
            ["invited", "joined"]
        );
    })
    .await;
}

#[tokio::test]
async fn joined_history_is_visible_from_the_join() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = room_with(&server, &alice, "joined").await;
        invite_then_join(&server, &alice, &bob, &room_id).await;
        assert_eq!(visible(&server, &bob, &room_id).await, ["joined"]);
        // /context on a hidden event is 404; on a visible one it hides the rest.
        let (_, body) = messages(&server, &alice, &room_id, "dir=b&limit=100").await;
        let event_id = |text: &str| -> String {
            body["chunk"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["content"]["body"] == text)
                .and_then(|e| e["event_id"].as_str())
                .unwrap()
                .to_owned()
        };
        let path = room_path(
            &room_id,
            &format!("context/{}", encode(&event_id("before"))),
        );
        let (status, body2) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(
            (status, errcode(&body2)),
            (404, Some("M_NOT_FOUND")),
            "{body2}"
        );
        let path = room_path(
            &room_id,
            &format!("context/{}", encode(&event_id("joined"))),
        );
        let (status, context) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{context}");
        assert!(bodies(&context["events_before"]).is_empty(), "{context}");
    })
    .await;
}

#[tokio::test]
async fn a_visibility_change_is_seen_from_both_sides() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = room_with(&server, &alice, "shared").await;
        let content = json!({"history_visibility": "joined"});
        let (status, body) = put_state(
            &server,
            &alice,
            &room_id,
            "m.room.history_visibility",
            "",
            content,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let change = body["event_id"].as_str().unwrap().to_owned();
        send_message(&server, &alice, &room_id, "hidden").await;
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );
        let (_, page) = messages(&server, &bob, &room_id, "dir=b&limit=100").await;
        let chunk = page["chunk"].as_array().unwrap();
        // The change from `shared` is judged as `shared`, so bob (joined now) sees it, and the
        // message before it; the message after it was `joined`-only and bob was not joined.
        assert!(
            chunk.iter().any(|e| e["event_id"] == change.as_str()),
            "{page}"
        );
        assert_eq!(bodies(&page["chunk"]), ["before"], "{page}");
    })
    .await;
}
