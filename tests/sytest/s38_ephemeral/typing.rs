//! Typing notices: start, stop and expiry seen by another user's `/sync`, long-polls woken by
//! them, and the 403 cases.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::{ephemeral, next_batch, set_typing, shared_room, sync};
use crate::harness::each_backend;
use crate::harness::rooms::{call, create_room, encode};

#[tokio::test]
async fn typing_notices_start_and_stop_in_another_users_sync() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let token = next_batch(&sync(&server, &bob, None, 0).await);
        let body = json!({"typing": true, "timeout": 30000});
        let (status, answer) = set_typing(&server, &alice, &room_id, &alice.user_id, body).await;
        assert_eq!((status, answer), (200, json!({})));
        let body = sync(&server, &bob, Some(&token), 0).await;
        let typing = ephemeral(&body, &room_id, "m.typing").expect("m.typing");
        assert_eq!(
            typing["content"]["user_ids"],
            json!([alice.user_id]),
            "{body}"
        );
        // An initial sync shows who types now.
        let initial = sync(&server, &bob, None, 0).await;
        let typing = ephemeral(&initial, &room_id, "m.typing").expect("m.typing");
        assert_eq!(typing["content"]["user_ids"], json!([alice.user_id]));
        // Nothing changed: no typing event.
        let token = next_batch(&body);
        let quiet = sync(&server, &bob, Some(&token), 0).await;
        assert!(ephemeral(&quiet, &room_id, "m.typing").is_none(), "{quiet}");
        // Stopping is an empty set.
        let body = json!({"typing": false});
        let (status, _) = set_typing(&server, &alice, &room_id, &alice.user_id, body).await;
        assert_eq!(status, 200);
        let body = sync(&server, &bob, Some(&token), 0).await;
        let typing = ephemeral(&body, &room_id, "m.typing").expect("m.typing");
        assert_eq!(typing["content"]["user_ids"], json!([]), "{body}");
    })
    .await;
}

#[tokio::test]
async fn a_long_poll_wakes_on_typing_and_on_its_expiry() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let server = Arc::new(server);
        let token = next_batch(&sync(&server, &bob, None, 0).await);
        let poll = {
            let (server, bob, token) = (server.clone(), bob.clone(), token.clone());
            tokio::spawn(async move { sync(&server, &bob, Some(&token), 60000).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        // A short notice: the long-poll wakes when it starts, the next when it expires.
        let body = json!({"typing": true, "timeout": 300});
        let (status, _) = set_typing(&server, &alice, &room_id, &alice.user_id, body).await;
        assert_eq!(status, 200);
        let body = poll.await.expect("long-poll");
        let typing = ephemeral(&body, &room_id, "m.typing").expect("m.typing");
        assert_eq!(
            typing["content"]["user_ids"],
            json!([alice.user_id]),
            "{body}"
        );
        // Bounded: the expiry must arrive within the long-poll's own 60 s timeout.
        let mut token = next_batch(&body);
        let mut expired = false;
        for _ in 0..5 {
            let body = sync(&server, &bob, Some(&token), 60000).await;
            token = next_batch(&body);
            if let Some(typing) = ephemeral(&body, &room_id, "m.typing") {
                assert_eq!(typing["content"]["user_ids"], json!([]), "{body}");
                expired = true;
                break;
            }
        }
        assert!(expired, "the typing notice expired and woke the long-poll");
    })
    .await;
}

#[tokio::test]
async fn typing_is_only_for_oneself_in_joined_rooms() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let body = json!({"typing": true, "timeout": 1000});
        let (status, answer) =
            set_typing(&server, &alice, &room_id, &bob.user_id, body.clone()).await;
        assert_eq!(status, 403, "{answer}");
        assert_eq!(answer["errcode"], "M_FORBIDDEN");
        let private = create_room(&server, &alice, json!({})).await;
        let (status, answer) =
            set_typing(&server, &bob, &private, &bob.user_id, body.clone()).await;
        assert_eq!(status, 403, "{answer}");
        let (status, answer) =
            set_typing(&server, &bob, &room_id, &bob.user_id, json!({"timeout": 1})).await;
        assert_eq!(status, 400, "typing is required: {answer}");
    })
    .await;
}

#[tokio::test]
async fn ephemeral_and_presence_filters_leave_events_out() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let body = json!({"typing": true, "timeout": 30000});
        let (status, _) = set_typing(&server, &alice, &room_id, &alice.user_id, body).await;
        assert_eq!(status, 200);
        let filter = json!({
            "room": {"ephemeral": {"not_types": ["m.typing"]}},
            "presence": {"not_types": ["*"]},
        });
        let path = format!(
            "/_matrix/client/v3/sync?timeout=0&filter={}",
            encode(&filter.to_string())
        );
        let (status, body) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        assert!(ephemeral(&body, &room_id, "m.typing").is_none(), "{body}");
        assert_eq!(body["presence"]["events"], json!([]), "{body}");
        // Without the filter both are there.
        let body = sync(&server, &bob, None, 0).await;
        assert!(ephemeral(&body, &room_id, "m.typing").is_some(), "{body}");
        assert_ne!(body["presence"]["events"], json!([]), "{body}");
    })
    .await;
}
