//! Filters: stored and inline, applied to sync; the error cases of `/sync` and the filter
//! endpoints.

use reqwest::Method;
use serde_json::json;

use super::{alice_and_bob, bodies, errcode, next_batch, sync, sync_raw, types};
use crate::harness::each_backend;
use crate::harness::rooms::{call, create_room, encode, send_message};

#[tokio::test]
async fn filters_are_stored_and_read_back_by_their_owner_only() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let path = format!("/_matrix/client/v3/user/{}/filter", encode(&alice.user_id));
        let filter = json!({"room": {"timeline": {"limit": 2}}, "custom": 1});
        let (status, body) = call(&server, &alice, Method::POST, &path, Some(&filter)).await;
        assert_eq!(status, 200, "{body}");
        let filter_id = body["filter_id"].as_str().expect("filter_id").to_owned();
        let (status, second) = call(&server, &alice, Method::POST, &path, Some(&filter)).await;
        assert_eq!(status, 200, "{second}");
        assert_ne!(second["filter_id"], filter_id.as_str());

        let get = format!("{path}/{filter_id}");
        let (status, body) = call(&server, &alice, Method::GET, &get, None).await;
        assert_eq!((status, &body), (200, &filter));
        let (status, body) = call(&server, &bob, Method::GET, &get, None).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let (status, body) = call(&server, &bob, Method::POST, &path, Some(&filter)).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let (status, body) = call(&server, &alice, Method::GET, &format!("{path}/999"), None).await;
        assert_eq!(
            (status, errcode(&body)),
            (404, Some("M_NOT_FOUND")),
            "{body}"
        );
        let (status, body) = call(&server, &alice, Method::GET, &format!("{path}/x"), None).await;
        assert_eq!(status, 400, "{body}");

        let bad = json!({"room": {"timeline": {"limit": "ten"}}});
        let (status, body) = call(&server, &alice, Method::POST, &path, Some(&bad)).await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_BAD_JSON")),
            "{body}"
        );
        let bad = json!({"room": {"rooms": ["not-a-room"]}});
        let (status, body) = call(&server, &alice, Method::POST, &path, Some(&bad)).await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_BAD_JSON")),
            "{body}"
        );

        // The stored filter applies to sync.
        let room_id = create_room(&server, &alice, json!({})).await;
        for n in 0..3 {
            send_message(&server, &alice, &room_id, &format!("m{n}")).await;
        }
        let (status, body) = sync_raw(&server, &alice, &format!("filter={filter_id}")).await;
        assert_eq!(status, 200, "{body}");
        let timeline = &body["rooms"]["join"][&room_id]["timeline"];
        assert_eq!(bodies(&timeline["events"]), ["m1", "m2"], "{timeline}");
        assert_eq!(timeline["limited"], true);
    })
    .await;
}

#[tokio::test]
async fn inline_filters_select_types_rooms_and_lazy_members() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let other = create_room(&server, &alice, json!({})).await;
        send_message(&server, &alice, &room_id, "only messages").await;
        let filter = json!({
            "room": {
                "rooms": [room_id],
                "timeline": {"types": ["m.room.message"], "limit": 5},
                "state": {"lazy_load_members": true},
            }
        });
        let query = format!("filter={}", encode(&filter.to_string()));
        let (status, body) = sync_raw(&server, &alice, &query).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["rooms"]["join"].get(&other).is_none(), "{body}");
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            types(&room["timeline"]["events"]),
            ["m.room.message"],
            "{room}"
        );
        // Lazy loading: the only member event in the state is the sender's.
        let members: Vec<&serde_json::Value> = room["state"]["events"]
            .as_array()
            .expect("state")
            .iter()
            .filter(|e| e["type"] == "m.room.member")
            .collect();
        assert_eq!(members.len(), 1, "{room}");
        assert_eq!(members[0]["state_key"], alice.user_id.as_str());
        assert!(types(&room["state"]["events"])
            .iter()
            .any(|t| t == "m.room.create"));
    })
    .await;
}

#[tokio::test]
async fn event_fields_cut_timeline_and_state_events() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"name": "Fields"})).await;
        send_message(&server, &alice, &room_id, "cut").await;
        let filter = json!({
            "event_fields": ["type", "content.body", "content.name", r"content.m\.none"],
            "room": {"timeline": {"limit": 1}},
        });
        let query = format!("filter={}", encode(&filter.to_string()));
        let (status, body) = sync_raw(&server, &alice, &query).await;
        assert_eq!(status, 200, "{body}");
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            room["timeline"]["events"],
            json!([{"type": "m.room.message", "content": {"body": "cut"}}]),
            "{room}"
        );
        let state = room["state"]["events"].as_array().expect("state");
        assert!(state.iter().all(|e| e.get("event_id").is_none()), "{room}");
        assert!(
            state.contains(&json!({"type": "m.room.name", "content": {"name": "Fields"}})),
            "{room}"
        );
        // Without event_fields the events are whole.
        let (_, body) = sync_raw(&server, &alice, "").await;
        let events = &body["rooms"]["join"][&room_id]["timeline"]["events"];
        assert!(events
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["event_id"].is_string()));
        assert!(body["next_batch"].is_string());
    })
    .await;
}

#[tokio::test]
async fn bad_sync_parameters_are_refused() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let token = next_batch(&sync(&server, &alice, None).await);
        for (query, status, code) in [
            ("since=nonsense", 400, "M_INVALID_PARAM"),
            ("since=s1_x", 400, "M_INVALID_PARAM"),
            ("filter=12345", 400, "M_INVALID_PARAM"),
            ("filter=%7Bnot%20json", 400, "M_NOT_JSON"),
            ("filter=%7B%22room%22%3A1%7D", 400, "M_BAD_JSON"),
            ("set_presence=dancing", 400, "M_INVALID_PARAM"),
            ("timeout=soon", 400, "M_INVALID_PARAM"),
        ] {
            let (got, body) = sync_raw(&server, &alice, query).await;
            assert_eq!(
                (got, errcode(&body)),
                (status, Some(code)),
                "{query}: {body}"
            );
        }
        for presence in ["online", "offline", "unavailable"] {
            let query = format!("set_presence={presence}&since={}", encode(&token));
            let (status, body) = sync_raw(&server, &alice, &query).await;
            assert_eq!(status, 200, "{presence}: {body}");
        }
        let (status, body) = sync_raw(&server, &alice, "full_state=true&since=s0").await;
        assert_eq!(status, 200, "{body}");
        let (status, _) =
            crate::harness::request(&server, Method::GET, "/_matrix/client/v3/sync", None, None)
                .await;
        assert_eq!(status, 401);
    })
    .await;
}
