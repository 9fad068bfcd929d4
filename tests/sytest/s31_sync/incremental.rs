//! Incremental sync: only what is new, long-polls woken by a send, limited timelines.

use std::time::Duration;

use serde_json::json;

use super::{alice_and_bob, bodies, next_batch, sync, sync_raw};
use crate::harness::each_backend;
use crate::harness::rooms::{create_room, encode, membership, send_message};

#[tokio::test]
async fn incremental_sync_returns_only_new_events() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let quiet = create_room(&server, &alice, json!({})).await;
        send_message(&server, &alice, &room_id, "old").await;
        let token = next_batch(&sync(&server, &alice, None).await);
        send_message(&server, &alice, &room_id, "new").await;
        let body = sync(&server, &alice, Some(&token)).await;
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(bodies(&room["timeline"]["events"]), ["new"], "{body}");
        assert_eq!(room["timeline"]["limited"], false);
        assert_eq!(room["state"]["events"], json!([]));
        assert!(
            body["rooms"]["join"].get(&quiet).is_none(),
            "rooms without news are left out: {body}"
        );
        // Nothing new after that.
        let again = sync(&server, &alice, Some(&next_batch(&body))).await;
        assert_eq!(again["rooms"]["join"], json!({}), "{again}");
    })
    .await;
}

#[tokio::test]
async fn a_long_poll_returns_with_an_event_sent_while_it_waits() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200, "{body}");
        let token = next_batch(&sync(&server, &bob, None).await);
        let server = std::sync::Arc::new(server);
        let poll = {
            let (server, bob, token) = (server.clone(), bob.clone(), token.clone());
            tokio::spawn(async move {
                let query = format!("timeout=60000&since={}", encode(&token));
                sync_raw(&server, &bob, &query).await
            })
        };
        // Give the long-poll a moment to start waiting (if it has not, it still sees the
        // event when it reads; either way it must return with it).
        tokio::time::sleep(Duration::from_millis(100)).await;
        let event_id = send_message(&server, &alice, &room_id, "wake up").await;
        let (status, body) = poll.await.expect("long-poll task");
        assert_eq!(status, 200, "{body}");
        let events = &body["rooms"]["join"][&room_id]["timeline"]["events"];
        assert_eq!(bodies(events), ["wake up"], "{body}");
        assert_eq!(events[0]["event_id"], event_id.as_str());
        assert_ne!(next_batch(&body), token);
    })
    .await;
}

#[tokio::test]
async fn a_long_poll_without_news_returns_empty_at_its_timeout() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        create_room(&server, &alice, json!({})).await;
        let token = next_batch(&sync(&server, &alice, None).await);
        let query = format!("timeout=50&since={}", encode(&token));
        let (status, body) = sync_raw(&server, &alice, &query).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["rooms"]["join"], json!({}), "{body}");
        assert_eq!(next_batch(&body), token);
    })
    .await;
}

#[tokio::test]
async fn a_gap_larger_than_the_limit_is_limited_with_a_prev_batch_and_state() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let token = next_batch(&sync(&server, &alice, None).await);
        let (status, body) = crate::harness::rooms::put_state(
            &server,
            &alice,
            &room_id,
            "m.room.topic",
            "",
            json!({"topic": "gaps"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        for n in 0..12 {
            send_message(&server, &alice, &room_id, &format!("m{n}")).await;
        }
        let body = sync(&server, &alice, Some(&token)).await;
        let room = &body["rooms"]["join"][&room_id];
        let timeline = &room["timeline"];
        assert_eq!(timeline["limited"], true, "{room}");
        let expected: Vec<String> = (2..12).map(|n| format!("m{n}")).collect();
        assert_eq!(bodies(&timeline["events"]), expected);
        let prev_batch = timeline["prev_batch"].as_str().expect("prev_batch");
        assert!(prev_batch.starts_with('s'), "{prev_batch}");
        // The topic changed in the gap: it is in the state section.
        let state = room["state"]["events"].as_array().expect("state");
        assert_eq!(state.len(), 1, "{room}");
        assert_eq!(state[0]["type"], "m.room.topic");
        assert_eq!(state[0]["content"]["topic"], "gaps");
    })
    .await;
}

#[tokio::test]
async fn state_events_in_the_timeline_carry_what_they_replaced() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"topic": "first"})).await;
        let token = next_batch(&sync(&server, &alice, None).await);
        let (status, first) =
            crate::harness::rooms::get_state(&server, &alice, &room_id, "m.room.topic", "").await;
        assert_eq!(status, 200, "{first}");
        let (status, body) = crate::harness::rooms::put_state(
            &server,
            &alice,
            &room_id,
            "m.room.topic",
            "",
            json!({"topic": "second"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let body = sync(&server, &alice, Some(&token)).await;
        let events = &body["rooms"]["join"][&room_id]["timeline"]["events"];
        let topic = &events[0];
        assert_eq!(topic["content"]["topic"], "second", "{body}");
        assert_eq!(topic["unsigned"]["prev_content"], json!({"topic": "first"}));
        assert!(topic["unsigned"]["replaces_state"].is_string(), "{topic}");
        assert_eq!(topic["unsigned"]["prev_sender"], alice.user_id.as_str());
    })
    .await;
}

#[tokio::test]
async fn sync_serves_redacted_events_pruned_with_the_redaction() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let token = next_batch(&sync(&server, &alice, None).await);
        let secret = send_message(&server, &alice, &room_id, "secret").await;
        let path =
            crate::harness::rooms::room_path(&room_id, &format!("redact/{}/r1", encode(&secret)));
        let (status, redaction) = crate::harness::rooms::call(
            &server,
            &alice,
            reqwest::Method::PUT,
            &path,
            Some(&json!({"reason": "oops"})),
        )
        .await;
        assert_eq!(status, 200, "{redaction}");
        // Both the incremental and an initial sync show the message pruned.
        for body in [
            sync(&server, &alice, Some(&token)).await,
            sync(&server, &alice, None).await,
        ] {
            let events = body["rooms"]["join"][&room_id]["timeline"]["events"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let message = events
                .iter()
                .find(|e| e["event_id"] == json!(secret))
                .unwrap_or_else(|| panic!("message in the timeline: {body}"));
            assert_eq!(message["content"], json!({}), "{message}");
            assert_eq!(
                message["unsigned"]["redacted_because"]["event_id"], redaction["event_id"],
                "{message}"
            );
        }
    })
    .await;
}
