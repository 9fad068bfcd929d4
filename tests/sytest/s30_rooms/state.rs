//! `PUT`/`GET /rooms/{roomId}/state/{eventType}/{stateKey}` and `GET /rooms/{roomId}/state`.

use reqwest::Method;
use serde_json::json;

use super::{alice_and_bob, errcode};
use crate::harness::each_backend;
use crate::harness::rooms::{call, create_room, get_state, put_state, room_path};

#[tokio::test]
async fn state_can_be_set_and_read_with_and_without_a_state_key() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let content = json!({"colour": "teal"});
        for path in [
            room_path(&room_id, "state/org.example.theme"),
            room_path(&room_id, "state/org.example.theme/"),
        ] {
            let (status, body) = call(&server, &alice, Method::PUT, &path, Some(&content)).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert!(body["event_id"]
                .as_str()
                .is_some_and(|id| id.starts_with('$')));
            let (status, body) = call(&server, &alice, Method::GET, &path, None).await;
            assert_eq!((status, body), (200, content.clone()), "{path}");
        }
        let (status, first) = put_state(
            &server,
            &alice,
            &room_id,
            "org.example.slot",
            "a/b c",
            json!({"n": 1}),
        )
        .await;
        assert_eq!(status, 200, "{first}");
        let (_, again) = put_state(
            &server,
            &alice,
            &room_id,
            "org.example.slot",
            "a/b c",
            json!({"n": 1}),
        )
        .await;
        assert_eq!(
            again, first,
            "the same content from the same sender changes nothing"
        );
        let (_, changed) = put_state(
            &server,
            &alice,
            &room_id,
            "org.example.slot",
            "a/b c",
            json!({"n": 2}),
        )
        .await;
        assert_ne!(changed, first);
        let (status, body) =
            get_state(&server, &alice, &room_id, "org.example.slot", "a/b c").await;
        assert_eq!((status, body), (200, json!({"n": 2})));

        let path = format!(
            "{}?format=event",
            room_path(&room_id, "state/org.example.slot/a%2Fb%20c")
        );
        let (status, event) = call(&server, &alice, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{event}");
        assert_eq!(event["event_id"], changed["event_id"]);
        assert_eq!(event["state_key"], "a/b c");
        assert_eq!(event["sender"], alice.user_id.as_str());
        assert_eq!(event["content"], json!({"n": 2}));

        let (status, all) = call(
            &server,
            &alice,
            Method::GET,
            &room_path(&room_id, "state"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let slot: Vec<_> = all
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["type"] == "org.example.slot")
            .collect();
        assert_eq!(slot.len(), 1, "only the current event of each key");
        assert_eq!(slot[0]["content"], json!({"n": 2}));

        let (status, body) = get_state(&server, &alice, &room_id, "org.example.unset", "").await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        let path = room_path(&room_id, "state/org.example.theme");
        let (status, body) = call(&server, &alice, Method::PUT, &path, Some(&json!("text"))).await;
        assert_eq!((status, errcode(&body)), (400, Some("M_NOT_JSON")));
        let too_big = json!({"body": "x".repeat(70_000)});
        let (status, body) = call(&server, &alice, Method::PUT, &path, Some(&too_big)).await;
        assert_eq!(
            (status, errcode(&body)),
            (413, Some("M_TOO_LARGE")),
            "{body}"
        );
        let (status, _) = put_state(
            &server,
            &alice,
            &room_id,
            "org.example.slot",
            "@someone:else",
            json!({}),
        )
        .await;
        assert_eq!(status, 403, "a user id state key must be the sender's");
    })
    .await;
}
