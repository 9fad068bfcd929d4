//! `GET /context/{eventId}`: events around an event, the state, and tokens that `/messages`
//! continues from; hidden and unknown events.

use reqwest::Method;
use serde_json::json;

use super::{alice_and_bob, bodies, errcode, messages, query_value};
use crate::harness::each_backend;
use crate::harness::rooms::{call, create_room, encode, room_path, send_message};

#[tokio::test]
async fn context_tokens_continue_with_messages() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let mut ids = Vec::new();
        for n in 0..11 {
            ids.push(send_message(&server, &alice, &room_id, &format!("m{n}")).await);
        }
        let path = room_path(&room_id, &format!("context/{}?limit=4", encode(&ids[5])));
        let (status, body) = call(&server, &alice, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["event"]["event_id"], ids[5].as_str());
        assert_eq!(bodies(&body["events_before"]), ["m4", "m3"]);
        assert_eq!(bodies(&body["events_after"]), ["m6", "m7"]);
        let state = body["state"].as_array().expect("state");
        assert!(state.iter().any(|e| e["type"] == "m.room.create"), "{body}");

        let start = body["start"].as_str().expect("start");
        let (_, before) = messages(
            &server,
            &alice,
            &room_id,
            &format!("dir=b&limit=2&from={}", query_value(start)),
        )
        .await;
        assert_eq!(bodies(&before["chunk"]), ["m2", "m1"]);
        let end = body["end"].as_str().expect("end");
        let (_, after) = messages(
            &server,
            &alice,
            &room_id,
            &format!("dir=f&limit=10&from={}", query_value(end)),
        )
        .await;
        assert_eq!(bodies(&after["chunk"]), ["m8", "m9", "m10"]);

        // Filtered and lazily loaded.
        let filter = query_value(
            &json!({"types": ["m.room.message"], "lazy_load_members": true}).to_string(),
        );
        let path = room_path(
            &room_id,
            &format!("context/{}?limit=2&filter={filter}", encode(&ids[0])),
        );
        let (_, body) = call(&server, &alice, Method::GET, &path, None).await;
        assert!(bodies(&body["events_before"]).is_empty(), "{body}");
        assert_eq!(bodies(&body["events_after"]), ["m1"]);
        let state = body["state"].as_array().expect("state");
        assert_eq!(state.len(), 1, "{body}");
        assert_eq!(state[0]["state_key"], alice.user_id.as_str());

        // Bob is not in the room; an unknown event is 404.
        let path = room_path(&room_id, &format!("context/{}", encode(&ids[5])));
        let (status, body) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let path = room_path(&room_id, "context/%24nope%3Alocalhost");
        let (status, body) = call(&server, &alice, Method::GET, &path, None).await;
        assert_eq!(
            (status, errcode(&body)),
            (404, Some("M_NOT_FOUND")),
            "{body}"
        );
    })
    .await;
}
