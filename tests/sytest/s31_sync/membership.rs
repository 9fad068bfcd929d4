//! Membership in sync: invites with stripped state, leaves, joins after an invite, and
//! history visibility.

use serde_json::json;

use super::{alice_and_bob, bodies, next_batch, sync, sync_raw, types};
use crate::harness::each_backend;
use crate::harness::rooms::{create_room, encode, membership, put_state, send_message};

#[tokio::test]
async fn an_invite_appears_in_the_invitees_sync_with_stripped_state() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let token = next_batch(&sync(&server, &bob, None).await);
        let room_id = create_room(&server, &alice, json!({"name": "Secret"})).await;
        send_message(&server, &alice, &room_id, "before the invite").await;
        let (status, body) = membership(
            &server,
            &alice,
            &room_id,
            "invite",
            json!({"user_id": bob.user_id}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let body = sync(&server, &bob, Some(&token)).await;
        let invite = &body["rooms"]["invite"][&room_id];
        let state = invite["invite_state"]["events"]
            .as_array()
            .expect("invite_state");
        let stripped_types = types(&invite["invite_state"]["events"]);
        for wanted in [
            "m.room.create",
            "m.room.join_rules",
            "m.room.name",
            "m.room.member",
        ] {
            assert!(
                stripped_types.iter().any(|t| t == wanted),
                "{wanted} in {invite}"
            );
        }
        let member = state
            .iter()
            .find(|e| e["type"] == "m.room.member")
            .expect("the invite");
        assert_eq!(member["state_key"], bob.user_id.as_str());
        assert_eq!(member["content"]["membership"], "invite");
        assert_eq!(member["sender"], alice.user_id.as_str());
        // Stripped: no event ids, no timeline.
        assert!(member.get("event_id").is_none(), "{member}");
        assert!(body["rooms"]["join"].get(&room_id).is_none());
        // On an initial sync too.
        let initial = sync(&server, &bob, None).await;
        assert!(
            initial["rooms"]["invite"][&room_id].is_object(),
            "{initial}"
        );

        // Once joined, the room moves to `join` with the full state.
        let token = next_batch(&body);
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200, "{body}");
        let body = sync(&server, &bob, Some(&token)).await;
        assert!(body["rooms"]["invite"].get(&room_id).is_none(), "{body}");
        let room = &body["rooms"]["join"][&room_id];
        let all: Vec<String> = types(&room["state"]["events"])
            .into_iter()
            .chain(types(&room["timeline"]["events"]))
            .collect();
        for wanted in ["m.room.create", "m.room.power_levels", "m.room.name"] {
            assert!(all.iter().any(|t| t == wanted), "{wanted} in {room}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_leave_appears_in_rooms_leave_with_the_timeline_up_to_it() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200, "{body}");
        let token = next_batch(&sync(&server, &bob, None).await);
        send_message(&server, &alice, &room_id, "bye bob").await;
        let (status, body) = membership(&server, &bob, &room_id, "leave", json!({})).await;
        assert_eq!(status, 200, "{body}");
        send_message(&server, &alice, &room_id, "after bob left").await;
        let body = sync(&server, &bob, Some(&token)).await;
        assert!(body["rooms"]["join"].get(&room_id).is_none(), "{body}");
        let left = &body["rooms"]["leave"][&room_id];
        let events = &left["timeline"]["events"];
        assert_eq!(bodies(events), ["bye bob"], "{left}");
        let last = events.as_array().and_then(|e| e.last()).expect("events");
        assert_eq!(last["type"], "m.room.member");
        assert_eq!(last["content"]["membership"], "leave");
        // Later syncs do not repeat it, and initial syncs leave it out by default.
        let again = sync(&server, &bob, Some(&next_batch(&body))).await;
        assert_eq!(again["rooms"]["leave"], json!({}), "{again}");
        let initial = sync(&server, &bob, None).await;
        assert!(
            initial["rooms"]["leave"].get(&room_id).is_none(),
            "{initial}"
        );
        // Alice, still joined, sees bob's leave in her timeline.
        let alice_view = sync(&server, &alice, Some(&token)).await;
        let alice_types = types(&alice_view["rooms"]["join"][&room_id]["timeline"]["events"]);
        assert!(
            alice_types.iter().any(|t| t == "m.room.member"),
            "{alice_view}"
        );
    })
    .await;
}

#[tokio::test]
async fn history_before_a_join_stays_hidden_when_visibility_is_joined() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (status, body) = put_state(
            &server,
            &alice,
            &room_id,
            "m.room.history_visibility",
            "",
            json!({"history_visibility": "joined"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        send_message(&server, &alice, &room_id, "secret").await;
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200, "{body}");
        send_message(&server, &alice, &room_id, "welcome").await;
        let body = sync(&server, &bob, None).await;
        let events = &body["rooms"]["join"][&room_id]["timeline"]["events"];
        assert_eq!(bodies(events), ["welcome"], "{body}");
    })
    .await;
}

#[tokio::test]
async fn an_invite_and_a_kick_wake_the_targets_long_poll() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let server = std::sync::Arc::new(server);
        let room_id = create_room(&server, &alice, json!({})).await;
        let long_poll = |token: String| {
            let (server, bob) = (server.clone(), bob.clone());
            tokio::spawn(async move {
                let query = format!("timeout=60000&since={}", encode(&token));
                sync_raw(&server, &bob, &query).await
            })
        };

        let token = next_batch(&sync(&server, &bob, None).await);
        let poll = long_poll(token);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let invite = json!({"user_id": bob.user_id});
        let (status, body) = membership(&server, &alice, &room_id, "invite", invite).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = poll.await.expect("long-poll task");
        assert_eq!(status, 200, "{body}");
        assert!(body["rooms"]["invite"][&room_id].is_object(), "{body}");

        let (status, joined) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200, "{joined}");
        let token = next_batch(&sync(&server, &bob, Some(&next_batch(&body))).await);
        let poll = long_poll(token);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let kick = json!({"user_id": bob.user_id, "reason": "testing"});
        let (status, body) = membership(&server, &alice, &room_id, "kick", kick).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = poll.await.expect("long-poll task");
        assert_eq!(status, 200, "{body}");
        let events = &body["rooms"]["leave"][&room_id]["timeline"]["events"];
        let last = events.as_array().and_then(|e| e.last()).expect("the kick");
        assert_eq!(last["content"]["membership"], "leave", "{body}");
        assert_eq!(last["sender"], alice.user_id.as_str());
    })
    .await;
}
