//! `POST /forget`: refused while joined; after leaving, the room's history becomes unreadable
//! until the user comes back.

use reqwest::Method;
use serde_json::json;

use super::{alice_and_bob, errcode, messages};
use crate::harness::each_backend;
use crate::harness::rooms::{call, create_room, joined_rooms, membership, room_path, send_message};

#[tokio::test]
async fn forgetting_a_room_needs_leaving_it_first() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );
        send_message(&server, &alice, &room_id, "hello").await;
        let forget = room_path(&room_id, "forget");
        let (status, body) = call(&server, &bob, Method::POST, &forget, Some(&json!({}))).await;
        assert_eq!((status, errcode(&body)), (400, Some("M_UNKNOWN")), "{body}");

        assert_eq!(
            membership(&server, &bob, &room_id, "leave", json!({}))
                .await
                .0,
            200
        );
        let (status, _) = messages(&server, &bob, &room_id, "dir=b").await;
        assert_eq!(status, 200, "history up to the leave is readable");
        let (status, body) = call(&server, &bob, Method::POST, &forget, None).await;
        assert_eq!((status, body), (200, json!({})));
        let (status, body) = messages(&server, &bob, &room_id, "dir=b").await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let (status, _) = call(
            &server,
            &bob,
            Method::GET,
            &room_path(&room_id, "state"),
            None,
        )
        .await;
        assert_eq!(status, 403);
        assert!(joined_rooms(&server, &bob).await.is_empty());

        // Rejoining un-forgets the room.
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );
        let (status, _) = messages(&server, &bob, &room_id, "dir=b").await;
        assert_eq!(status, 200);
        // A room one never was in: nothing to forget.
        let other = create_room(&server, &alice, json!({})).await;
        let (status, _) = call(
            &server,
            &bob,
            Method::POST,
            &room_path(&other, "forget"),
            None,
        )
        .await;
        assert_eq!(status, 200);
    })
    .await;
}
