//! Directory visibility and `/publicRooms`.

use reqwest::Method;
use serde_json::json;

use super::{alice_and_bob, errcode};
use crate::harness::each_backend;
use crate::harness::request;
use crate::harness::rooms::{call, create_room, encode, membership};

fn visibility_path(room_id: &str) -> String {
    format!("/_matrix/client/v3/directory/list/room/{}", encode(room_id))
}

#[tokio::test]
async fn room_visibility_can_be_read_and_set_by_room_admins() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let path = visibility_path(&room_id);
        let (status, body) = request(&server, Method::GET, &path, None, None).await;
        assert_eq!((status, body), (200, json!({"visibility": "private"})));
        let public = json!({"visibility": "public"});
        let (status, body) = call(&server, &bob, Method::PUT, &path, Some(&public)).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "not in the room"
        );
        membership(&server, &bob, &room_id, "join", json!({})).await;
        let (status, body) = call(&server, &bob, Method::PUT, &path, Some(&public)).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "no power"
        );
        let (status, body) = call(&server, &alice, Method::PUT, &path, Some(&public)).await;
        assert_eq!((status, body), (200, json!({})));
        let (_, body) = request(&server, Method::GET, &path, None, None).await;
        assert_eq!(body, json!({"visibility": "public"}));
        let private = json!({"visibility": "private"});
        let (status, _) = call(&server, &alice, Method::PUT, &path, Some(&private)).await;
        assert_eq!(status, 200);
        let (_, body) = request(&server, Method::GET, &path, None, None).await;
        assert_eq!(body, json!({"visibility": "private"}));

        let unknown = visibility_path(&format!("!nope:{}", server.server_name));
        let (status, body) = request(&server, Method::GET, &unknown, None, None).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        let (status, body) = call(&server, &alice, Method::PUT, &unknown, Some(&public)).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        let bad = json!({"visibility": "secret"});
        let (status, _) = call(&server, &alice, Method::PUT, &path, Some(&bad)).await;
        assert_eq!(status, 400);
    })
    .await;
}

#[tokio::test]
async fn public_rooms_lists_published_rooms_by_members_with_filters_and_pages() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let big = create_room(
            &server,
            &alice,
            json!({"visibility": "public", "name": "Big Tea", "topic": "Oolong",
                   "room_alias_name": "big"}),
        )
        .await;
        membership(&server, &bob, &big, "join", json!({})).await;
        let small = create_room(
            &server,
            &alice,
            json!({"visibility": "public", "preset": "public_chat", "name": "Coffee",
                   "creation_content": {"type": "m.space"}}),
        )
        .await;
        // Published but invite only: not listed (as Synapse).
        create_room(
            &server,
            &alice,
            json!({"visibility": "public", "preset": "private_chat", "name": "Hidden"}),
        )
        .await;
        // Not published.
        create_room(
            &server,
            &alice,
            json!({"preset": "public_chat", "name": "Unlisted"}),
        )
        .await;

        let (status, body) = request(
            &server,
            Method::GET,
            "/_matrix/client/v3/publicRooms",
            None,
            None,
        )
        .await;
        assert_eq!(
            (status, errcode(&body)),
            (401, Some("M_MISSING_TOKEN")),
            "Synapse's default"
        );
        let (status, body) = call(
            &server,
            &bob,
            Method::GET,
            "/_matrix/client/v3/publicRooms",
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total_room_count_estimate"], 2);
        let chunk = body["chunk"].as_array().expect("chunk");
        assert_eq!(chunk.len(), 2);
        assert_eq!(
            chunk[0],
            json!({
                "room_id": big, "name": "Big Tea", "topic": "Oolong",
                "canonical_alias": format!("#big:{}", server.server_name),
                "num_joined_members": 2, "world_readable": false, "guest_can_join": false,
                "join_rule": "public",
            })
        );
        assert_eq!(chunk[1]["room_id"], small.as_str());
        assert_eq!(chunk[1]["room_type"], "m.space");
        assert!(body.get("next_batch").is_none());

        // Pages of one.
        let (_, first) = call(
            &server,
            &bob,
            Method::GET,
            "/_matrix/client/v3/publicRooms?limit=1",
            None,
        )
        .await;
        assert_eq!(first["chunk"][0]["room_id"], big.as_str());
        let next = first["next_batch"].as_str().expect("next_batch");
        assert!(first.get("prev_batch").is_none());
        let path = format!("/_matrix/client/r0/publicRooms?limit=1&since={next}");
        let (_, second) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(second["chunk"][0]["room_id"], small.as_str());
        assert!(second.get("next_batch").is_none());
        assert!(second["prev_batch"].is_string());
        let (status, body) = call(
            &server,
            &bob,
            Method::GET,
            "/_matrix/client/v3/publicRooms?since=zz",
            None,
        )
        .await;
        assert_eq!((status, errcode(&body)), (400, Some("M_INVALID_PARAM")));

        // POST with filters.
        let query = |body: serde_json::Value| {
            let server = &server;
            let bob = &bob;
            async move {
                let (status, response) = call(
                    server,
                    bob,
                    Method::POST,
                    "/_matrix/client/v3/publicRooms",
                    Some(&body),
                )
                .await;
                assert_eq!(status, 200, "{response}");
                response["chunk"]
                    .as_array()
                    .expect("chunk")
                    .iter()
                    .map(|room| room["room_id"].as_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            query(json!({"filter": {"generic_search_term": "oolong"}})).await,
            vec![big.clone()]
        );
        assert_eq!(
            query(json!({"filter": {"generic_search_term": "COFF"}})).await,
            vec![small.clone()]
        );
        assert_eq!(
            query(json!({"filter": {"room_types": ["m.space"]}})).await,
            vec![small.clone()]
        );
        assert_eq!(
            query(json!({"filter": {"room_types": [null]}})).await,
            vec![big.clone()]
        );
        assert_eq!(
            query(json!({"limit": 1, "include_all_networks": true})).await,
            vec![big.clone()]
        );
        assert_eq!(query(json!({"limit": 0})).await.len(), 2, "0: no limit");
        assert!(query(json!({"third_party_instance_id": "irc"}))
            .await
            .is_empty());
        let (status, _) = call(
            &server,
            &bob,
            Method::POST,
            "/_matrix/client/v3/publicRooms?server=elsewhere.example",
            Some(&json!({})),
        )
        .await;
        assert_eq!(status, 400);
    })
    .await;
}
