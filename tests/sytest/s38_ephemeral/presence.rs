//! Presence: setting and reading one's status, the 403 cases, and another user's `/sync`.

use reqwest::Method;
use serde_json::{json, Value};

use super::{next_batch, shared_room, sync};
use crate::harness::each_backend;
use crate::harness::rooms::{call, encode};
use crate::harness::{register, Session, TestServer};

async fn status(
    server: &TestServer,
    session: &Session,
    method: Method,
    user_id: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let path = format!("/_matrix/client/v3/presence/{}/status", encode(user_id));
    call(server, session, method, &path, body.as_ref()).await
}

/// The `m.presence` event of `user_id` in a sync response, if any.
fn presence_of<'a>(body: &'a Value, user_id: &str) -> Option<&'a Value> {
    body["presence"]["events"]
        .as_array()?
        .iter()
        .find(|event| event["type"] == "m.presence" && event["sender"] == user_id)
}

#[tokio::test]
async fn presence_is_set_read_and_synced_to_users_sharing_a_room() {
    each_backend(|backend| async move {
        let (server, alice, bob, _) = shared_room(backend).await;
        let token = next_batch(&sync(&server, &bob, None, 0).await);
        let body = json!({"presence": "unavailable", "status_msg": "out for lunch"});
        let (code, answer) = status(&server, &alice, Method::PUT, &alice.user_id, Some(body)).await;
        assert_eq!((code, answer), (200, json!({})));
        let (code, answer) = status(&server, &bob, Method::GET, &alice.user_id, None).await;
        assert_eq!(code, 200, "{answer}");
        assert_eq!(answer["presence"], "unavailable");
        assert_eq!(answer["status_msg"], "out for lunch");
        let body = sync(&server, &bob, Some(&token), 0).await;
        let event = presence_of(&body, &alice.user_id).unwrap_or_else(|| panic!("{body}"));
        assert_eq!(event["content"]["presence"], "unavailable");
        assert_eq!(event["content"]["status_msg"], "out for lunch");
        assert_eq!(event["content"]["displayname"], "alice");
        // Syncing makes bob online; alice sees it.
        let body = sync(&server, &alice, None, 0).await;
        let event = presence_of(&body, &bob.user_id).unwrap_or_else(|| panic!("{body}"));
        assert_eq!(event["content"]["presence"], "online");
        assert_eq!(event["content"]["currently_active"], true);
        assert!(event["content"]["last_active_ago"].is_u64());
    })
    .await;
}

#[tokio::test]
async fn presence_is_only_set_for_oneself_and_read_by_room_sharers() {
    each_backend(|backend| async move {
        let (server, alice, bob, _) = shared_room(backend).await;
        let carol = register(&server, "carol", "caroline").await;
        let body = json!({"presence": "online"});
        let (code, answer) = status(&server, &alice, Method::PUT, &bob.user_id, Some(body)).await;
        assert_eq!(code, 403, "{answer}");
        let body = json!({"presence": "dancing"});
        let (code, answer) = status(&server, &alice, Method::PUT, &alice.user_id, Some(body)).await;
        assert_eq!(code, 400, "{answer}");
        let (code, answer) = status(&server, &carol, Method::GET, &alice.user_id, None).await;
        assert_eq!(code, 403, "{answer}");
        let (code, answer) = status(&server, &carol, Method::GET, &carol.user_id, None).await;
        assert_eq!(code, 200, "{answer}");
        assert_eq!(answer["presence"], "offline");
        let (code, answer) = sync_raw_presence(&server, &carol, "dancing").await;
        assert_eq!(code, 400, "{answer}");
    })
    .await;
}

async fn sync_raw_presence(server: &TestServer, session: &Session, set: &str) -> (u16, Value) {
    let path = format!("/_matrix/client/v3/sync?timeout=0&set_presence={set}");
    call(server, session, Method::GET, &path, None).await
}

#[tokio::test]
async fn long_polls_wake_on_a_receipt_and_on_a_presence_change() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let event_id = crate::harness::rooms::send_message(&server, &bob, &room_id, "hi").await;
        let server = std::sync::Arc::new(server);
        for wake_with in ["receipt", "presence"] {
            let token = next_batch(&sync(&server, &bob, None, 0).await);
            let poll = {
                let (server, bob, token) = (server.clone(), bob.clone(), token.clone());
                tokio::spawn(async move { sync(&server, &bob, Some(&token), 60000).await })
            };
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            if wake_with == "receipt" {
                let (code, _) =
                    super::receipt(&server, &alice, &room_id, "m.read", &event_id, json!({})).await;
                assert_eq!(code, 200);
            } else {
                let body = json!({"presence": "unavailable", "status_msg": "brb"});
                let (code, _) =
                    status(&server, &alice, Method::PUT, &alice.user_id, Some(body)).await;
                assert_eq!(code, 200);
            }
            let body = poll.await.expect("long-poll");
            if wake_with == "receipt" {
                let event = super::ephemeral(&body, &room_id, "m.receipt")
                    .unwrap_or_else(|| panic!("woken by the receipt: {body}"));
                assert!(event["content"][&event_id]["m.read"][&alice.user_id].is_object());
            } else {
                let event = presence_of(&body, &alice.user_id)
                    .unwrap_or_else(|| panic!("woken by the presence: {body}"));
                assert_eq!(event["content"]["status_msg"], "brb");
            }
        }
    })
    .await;
}
