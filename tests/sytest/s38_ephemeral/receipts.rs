//! Receipts (public, private, threaded), read markers and unread notification counts.

use reqwest::Method;
use serde_json::json;

use super::{ephemeral, next_batch, receipt, shared_room, sync};
use crate::harness::each_backend;
use crate::harness::rooms::{call, create_room, encode, new_txn_id, room_path, send_message};

#[tokio::test]
async fn a_read_receipt_reaches_the_other_user_and_moves_only_forward() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let first = send_message(&server, &alice, &room_id, "one").await;
        let second = send_message(&server, &alice, &room_id, "two").await;
        let token = next_batch(&sync(&server, &alice, None, 0).await);
        let (status, answer) = receipt(&server, &bob, &room_id, "m.read", &second, json!({})).await;
        assert_eq!((status, answer), (200, json!({})));
        let body = sync(&server, &alice, Some(&token), 0).await;
        let event = ephemeral(&body, &room_id, "m.receipt").expect("m.receipt");
        let read = &event["content"][&second]["m.read"][&bob.user_id];
        assert!(read["ts"].is_u64(), "{event}");
        assert!(read.get("thread_id").is_none(), "{event}");
        // An older receipt is accepted and ignored.
        let token = next_batch(&body);
        let (status, _) = receipt(&server, &bob, &room_id, "m.read", &first, json!({})).await;
        assert_eq!(status, 200);
        let body = sync(&server, &alice, Some(&token), 0).await;
        assert!(ephemeral(&body, &room_id, "m.receipt").is_none(), "{body}");
        // The initial sync has the receipt.
        let initial = sync(&server, &alice, None, 0).await;
        let event = ephemeral(&initial, &room_id, "m.receipt").expect("m.receipt");
        assert!(event["content"][&second]["m.read"][&bob.user_id].is_object());
    })
    .await;
}

#[tokio::test]
async fn private_receipts_are_seen_only_by_their_owner_and_threads_are_kept() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let event_id = send_message(&server, &alice, &room_id, "secret").await;
        let alice_token = next_batch(&sync(&server, &alice, None, 0).await);
        let bob_token = next_batch(&sync(&server, &bob, None, 0).await);
        let (status, _) = receipt(
            &server,
            &bob,
            &room_id,
            "m.read.private",
            &event_id,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        let body = sync(&server, &alice, Some(&alice_token), 0).await;
        assert!(ephemeral(&body, &room_id, "m.receipt").is_none(), "{body}");
        let body = sync(&server, &bob, Some(&bob_token), 0).await;
        let event = ephemeral(&body, &room_id, "m.receipt").expect("own private receipt");
        assert!(event["content"][&event_id]["m.read.private"][&bob.user_id].is_object());
        // A threaded receipt carries its thread id.
        let alice_token = next_batch(&sync(&server, &alice, None, 0).await);
        let body = json!({"thread_id": "main"});
        let (status, _) = receipt(&server, &bob, &room_id, "m.read", &event_id, body).await;
        assert_eq!(status, 200);
        let body = sync(&server, &alice, Some(&alice_token), 0).await;
        let event = ephemeral(&body, &room_id, "m.receipt").expect("m.receipt");
        assert_eq!(
            event["content"][&event_id]["m.read"][&bob.user_id]["thread_id"],
            "main"
        );
    })
    .await;
}

#[tokio::test]
async fn receipts_check_their_type_thread_event_and_room() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let event_id = send_message(&server, &alice, &room_id, "hi").await;
        let (status, answer) =
            receipt(&server, &bob, &room_id, "m.bogus", &event_id, json!({})).await;
        assert_eq!(status, 400, "{answer}");
        let body = json!({"thread_id": ""});
        let (status, answer) = receipt(&server, &bob, &room_id, "m.read", &event_id, body).await;
        assert_eq!(status, 400, "{answer}");
        let body = json!({"thread_id": "main"});
        let (status, answer) =
            receipt(&server, &bob, &room_id, "m.fully_read", &event_id, body).await;
        assert_eq!(status, 400, "{answer}");
        let (status, answer) = receipt(
            &server,
            &bob,
            &room_id,
            "m.read",
            "$nope:localhost",
            json!({}),
        )
        .await;
        assert_eq!(status, 404, "{answer}");
        let other = create_room(&server, &alice, json!({})).await;
        let other_event = send_message(&server, &alice, &other, "elsewhere").await;
        let (status, answer) =
            receipt(&server, &bob, &room_id, "m.read", &other_event, json!({})).await;
        assert_eq!(status, 404, "an event of another room: {answer}");
        let (status, answer) =
            receipt(&server, &bob, &other, "m.read", &other_event, json!({})).await;
        assert!(
            status == 403 || status == 404,
            "not joined: {status} {answer}"
        );
    })
    .await;
}

#[tokio::test]
async fn read_markers_set_fully_read_account_data_and_receipts() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let event_id = send_message(&server, &alice, &room_id, "mark me").await;
        let token = next_batch(&sync(&server, &bob, None, 0).await);
        let body = json!({"m.fully_read": event_id, "m.read": event_id});
        let path = room_path(&room_id, "read_markers");
        let (status, answer) = call(&server, &bob, Method::POST, &path, Some(&body)).await;
        assert_eq!((status, answer), (200, json!({})));
        let body = sync(&server, &bob, Some(&token), 0).await;
        let room = &body["rooms"]["join"][&room_id];
        let data = room["account_data"]["events"]
            .as_array()
            .and_then(|events| events.iter().find(|e| e["type"] == "m.fully_read"))
            .unwrap_or_else(|| panic!("m.fully_read in {body}"));
        assert_eq!(data["content"]["event_id"], event_id.as_str());
        let event = ephemeral(&body, &room_id, "m.receipt").expect("m.receipt");
        assert!(event["content"][&event_id]["m.read"][&bob.user_id].is_object());
        // The marker is readable as room account data.
        let path = format!(
            "/_matrix/client/v3/user/{}/rooms/{}/account_data/m.fully_read",
            crate::harness::rooms::encode(&bob.user_id),
            crate::harness::rooms::encode(&room_id)
        );
        let (status, data) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!((status, data), (200, json!({"event_id": event_id})));
        // An unknown event is 404.
        let body = json!({"m.fully_read": "$nope:localhost"});
        let path = room_path(&room_id, "read_markers");
        let (status, answer) = call(&server, &bob, Method::POST, &path, Some(&body)).await;
        assert_eq!(status, 404, "{answer}");
    })
    .await;
}

#[tokio::test]
async fn unread_counts_rise_with_messages_and_fall_after_a_receipt() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let counts = |body: &serde_json::Value| {
            let unread = &body["rooms"]["join"][&room_id]["unread_notifications"];
            (
                unread["notification_count"].as_u64(),
                unread["highlight_count"].as_u64(),
            )
        };
        let body = sync(&server, &bob, None, 0).await;
        assert_eq!(counts(&body), (Some(0), Some(0)), "{body}");
        send_message(&server, &alice, &room_id, "hello").await;
        let last = send_message(&server, &alice, &room_id, "hey bob, look").await;
        // Bob's own messages never count.
        send_message(&server, &bob, &room_id, "mine").await;
        let body = sync(&server, &bob, None, 0).await;
        assert_eq!(counts(&body), (Some(2), Some(1)), "{body}");
        // Counted on from the last sync's counts: only the new message is added.
        let newest = send_message(&server, &alice, &room_id, "bob, again").await;
        let body = sync(&server, &bob, None, 0).await;
        assert_eq!(counts(&body), (Some(3), Some(2)), "{body}");
        let token = next_batch(&body);
        let (status, _) = receipt(&server, &bob, &room_id, "m.read", &last, json!({})).await;
        assert_eq!(status, 200);
        let body = sync(&server, &bob, None, 0).await;
        assert_eq!(counts(&body), (Some(1), Some(1)), "{body}");
        let (status, _) = receipt(&server, &bob, &room_id, "m.read", &newest, json!({})).await;
        assert_eq!(status, 200);
        let body = sync(&server, &bob, Some(&token), 0).await;
        assert_eq!(counts(&body), (Some(0), Some(0)), "{body}");
    })
    .await;
}

#[tokio::test]
async fn threaded_receipts_lower_their_threads_unread_counts() {
    each_backend(|backend| async move {
        let (server, alice, bob, room_id) = shared_room(backend).await;
        let root = send_message(&server, &alice, &room_id, "root").await;
        let reply = json!({"msgtype": "m.text", "body": "in the thread",
            "m.relates_to": {"rel_type": "m.thread", "event_id": root}});
        let path = room_path(&room_id, &format!("send/m.room.message/{}", new_txn_id()));
        let (status, answer) = call(&server, &alice, Method::PUT, &path, Some(&reply)).await;
        assert_eq!(status, 200, "{answer}");
        let reply_id = answer["event_id"].as_str().expect("event_id").to_owned();
        let filter = json!({"room": {"timeline": {"unread_thread_notifications": true}}});
        let threaded_sync = || {
            let path = format!(
                "/_matrix/client/v3/sync?timeout=0&filter={}",
                encode(&filter.to_string())
            );
            let (server, bob) = (&server, &bob);
            async move { call(server, bob, Method::GET, &path, None).await }
        };
        let (status, body) = threaded_sync().await;
        assert_eq!(status, 200, "{body}");
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            room["unread_notifications"]["notification_count"], 1,
            "{room}"
        );
        assert_eq!(
            room["unread_thread_notifications"][&root]["notification_count"], 1,
            "{room}"
        );
        // Without the filter the thread counts in the room's count.
        let body = sync(&server, &bob, None, 0).await;
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            room["unread_notifications"]["notification_count"], 2,
            "{room}"
        );
        assert!(room.get("unread_thread_notifications").is_none(), "{room}");
        // A receipt in the thread reads the thread only.
        let body = json!({"thread_id": root});
        let (status, _) = receipt(&server, &bob, &room_id, "m.read", &reply_id, body).await;
        assert_eq!(status, 200);
        let (_, body) = threaded_sync().await;
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            room["unread_notifications"]["notification_count"], 1,
            "{room}"
        );
        assert!(
            room["unread_thread_notifications"].get(&root).is_none(),
            "{room}"
        );
        let body = sync(&server, &bob, None, 0).await;
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            room["unread_notifications"]["notification_count"], 1,
            "{room}"
        );
    })
    .await;
}
