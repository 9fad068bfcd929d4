//! Initial sync: rooms with their timeline, state before it, summary; restarts keep tokens.

use serde_json::json;

use super::{alice_and_bob, bodies, next_batch, sync, types};
use crate::harness::each_backend;
use crate::harness::rooms::{create_room, membership, send_message};

#[tokio::test]
async fn initial_sync_shows_joined_rooms_with_timeline_and_state() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(
            &server,
            &alice,
            json!({"preset": "public_chat", "name": "Tea party"}),
        )
        .await;
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200, "{body}");
        let first = send_message(&server, &alice, &room_id, "hello").await;
        for body in ["m2", "m3", "m4"] {
            send_message(&server, &alice, &room_id, body).await;
        }
        send_message(&server, &bob, &room_id, "hi alice").await;

        let body = sync(&server, &alice, None).await;
        let room = &body["rooms"]["join"][&room_id];
        let timeline = &room["timeline"];
        // createRoom sent 6 events, then bob's join and five messages: more than the default
        // limit of 10.
        assert_eq!(
            timeline["events"].as_array().map(Vec::len),
            Some(10),
            "{room}"
        );
        assert_eq!(timeline["limited"], true);
        assert!(timeline["prev_batch"].is_string(), "{timeline}");
        assert_eq!(
            bodies(&timeline["events"]),
            ["hello", "m2", "m3", "m4", "hi alice"]
        );
        let hello = timeline["events"]
            .as_array()
            .and_then(|events| events.iter().find(|e| e["event_id"] == first.as_str()))
            .expect("the message in the timeline");
        assert_eq!(hello["sender"], alice.user_id.as_str());
        assert!(hello["unsigned"]["transaction_id"].is_string(), "{hello}");
        assert!(hello["unsigned"]["age"].is_i64(), "{hello}");
        // The state before the timeline: at least the create event, which fell off it.
        let state_types = types(&room["state"]["events"]);
        assert!(
            state_types.iter().any(|t| t == "m.room.create"),
            "{state_types:?}"
        );
        let timeline_types = types(&timeline["events"]);
        assert!(!timeline_types.iter().any(|t| t == "m.room.create"));
        assert_eq!(room["summary"]["m.joined_member_count"], 2, "{room}");
        assert_eq!(room["summary"]["m.invited_member_count"], 0);
        assert_eq!(room["summary"]["m.heroes"], json!([bob.user_id]));
        assert_eq!(room["ephemeral"]["events"], json!([]));
        assert!(body["account_data"]["events"].is_array());
        // The syncing user is online now; their presence is in their own sync.
        let presence = body["presence"]["events"].as_array().expect("presence");
        assert!(
            presence
                .iter()
                .any(|e| e["sender"] == alice.user_id.as_str()
                    && e["content"]["presence"] == "online"),
            "{presence:?}"
        );
        assert_eq!(body["to_device"]["events"], json!([]));

        // Bob's device did not send "hello": no transaction id for him.
        let body = sync(&server, &bob, None).await;
        let events = &body["rooms"]["join"][&room_id]["timeline"]["events"];
        let seen = events
            .as_array()
            .and_then(|events| events.iter().find(|e| e["event_id"] == first.as_str()))
            .expect("bob sees the message");
        assert!(seen["unsigned"].get("transaction_id").is_none(), "{seen}");
    })
    .await;
}

#[tokio::test]
async fn a_small_room_has_an_unlimited_timeline_from_its_creation() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let body = sync(&server, &alice, None).await;
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(room["timeline"]["limited"], false, "{room}");
        let timeline_types = types(&room["timeline"]["events"]);
        assert_eq!(
            timeline_types.first().map(String::as_str),
            Some("m.room.create")
        );
        assert_eq!(
            room["state"]["events"],
            json!([]),
            "all state is in the timeline"
        );
    })
    .await;
}

#[tokio::test]
async fn sync_tokens_stay_valid_after_a_restart() {
    each_backend(|backend| async move {
        let (mut server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let token = next_batch(&sync(&server, &alice, None).await);
        server.restart().await;
        // Nothing new: the token is accepted and nothing is repeated.
        let body = sync(&server, &alice, Some(&token)).await;
        assert_eq!(body["rooms"]["join"], json!({}), "{body}");
        assert_eq!(next_batch(&body), token);
        send_message(&server, &alice, &room_id, "after the restart").await;
        let body = sync(&server, &alice, Some(&token)).await;
        let events = &body["rooms"]["join"][&room_id]["timeline"]["events"];
        assert_eq!(bodies(events), ["after the restart"], "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_summary_counts_members_and_lists_heroes_in_the_order_they_came() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let carol = crate::harness::register(&server, "carol", "carpentry").await;
        let dave = crate::harness::register(&server, "dave", "daisy-chain").await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        for (user, action, target) in [
            (&dave, "join", None),
            (&alice, "invite", Some(&carol)),
            (&bob, "join", None),
        ] {
            let body = match target {
                Some(target) => json!({"user_id": target.user_id}),
                None => json!({}),
            };
            let (status, answer) = membership(&server, user, &room_id, action, body).await;
            assert_eq!(status, 200, "{answer}");
        }
        let body = sync(&server, &alice, None).await;
        let summary = &body["rooms"]["join"][&room_id]["summary"];
        assert_eq!(summary["m.joined_member_count"], 3, "{summary}");
        assert_eq!(summary["m.invited_member_count"], 1, "{summary}");
        assert_eq!(
            summary["m.heroes"],
            json!([dave.user_id, carol.user_id, bob.user_id]),
            "joined or invited, in order, without the syncing user"
        );
    })
    .await;
}
