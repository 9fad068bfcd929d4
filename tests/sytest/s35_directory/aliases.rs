//! Aliases: create, resolve, list, delete; canonical alias checks; createRoom's
//! `room_alias_name`; joining by alias.

use reqwest::Method;
use serde_json::json;

use super::{alias, alias_path, alice_and_bob, errcode, get_alias, put_alias};
use crate::harness::each_backend;
use crate::harness::rooms::{
    call, create_room, encode, get_state, joined_rooms, membership, put_state, room_path,
};

#[tokio::test]
async fn aliases_can_be_created_resolved_listed_and_deleted() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let tea = alias(&server, "tea");
        let (status, body) = put_alias(&server, &alice, &tea, &room_id).await;
        assert_eq!((status, body), (200, json!({})));
        let (status, body) = get_alias(&server, &tea).await;
        assert_eq!(
            (status, body),
            (
                200,
                json!({"room_id": room_id, "servers": [server.server_name]})
            )
        );
        let (status, body) = put_alias(&server, &alice, &tea, &room_id).await;
        assert_eq!((status, errcode(&body)), (409, Some("M_UNKNOWN")), "{body}");

        let cases = [
            ("not-an-alias".to_owned(), 400, "M_INVALID_PARAM"),
            ("#tea:elsewhere.example".to_owned(), 400, "M_INVALID_PARAM"),
            (alias(&server, "white space"), 400, "M_INVALID_PARAM"),
        ];
        for (bad, status, code) in &cases {
            let (got, body) = put_alias(&server, &alice, bad, &room_id).await;
            assert_eq!(
                (got, errcode(&body)),
                (*status, Some(*code)),
                "{bad}: {body}"
            );
        }
        let (status, body) = put_alias(&server, &bob, &alias(&server, "bobs"), &room_id).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "not in the room"
        );
        let (status, body) = get_alias(&server, &alias(&server, "nothing")).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        let (status, body) = get_alias(&server, "not-an-alias").await;
        assert_eq!((status, errcode(&body)), (400, Some("M_INVALID_PARAM")));
        // An alias of an unreachable server (nothing listens on loopback port 1): 502.
        let (status, _) = get_alias(&server, "#x:127.0.0.1:1").await;
        assert_eq!(status, 502);

        // Listing: members (and world readable rooms) only.
        let aliases_path = room_path(&room_id, "aliases");
        let (status, body) = call(&server, &alice, Method::GET, &aliases_path, None).await;
        assert_eq!((status, body), (200, json!({"aliases": [tea]})));
        let (status, body) = call(&server, &bob, Method::GET, &aliases_path, None).await;
        assert_eq!((status, errcode(&body)), (403, Some("M_FORBIDDEN")));

        // Bob joins and adds his own alias; he may delete it, not Alice's; Alice (admin) may
        // delete his.
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        let bobs = alias(&server, "bobs");
        let (status, _) = put_alias(&server, &bob, &bobs, &room_id).await;
        assert_eq!(status, 200);
        let (status, body) = call(&server, &bob, Method::DELETE, &alias_path(&tea), None).await;
        assert_eq!((status, errcode(&body)), (403, Some("M_FORBIDDEN")));
        let (status, _) = call(&server, &alice, Method::DELETE, &alias_path(&bobs), None).await;
        assert_eq!(status, 200);
        let (status, _) = call(&server, &alice, Method::DELETE, &alias_path(&tea), None).await;
        assert_eq!(status, 200);
        let (status, body) = call(&server, &alice, Method::DELETE, &alias_path(&tea), None).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        let (status, body) = get_alias(&server, &tea).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        let (_, body) = call(&server, &alice, Method::GET, &aliases_path, None).await;
        assert_eq!(body, json!({"aliases": []}));
    })
    .await;
}

#[tokio::test]
async fn canonical_aliases_must_exist_and_point_to_the_room() {
    each_backend(|backend| async move {
        let (server, alice, _bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let other = create_room(&server, &alice, json!({})).await;
        let mine = alias(&server, "mine");
        let theirs = alias(&server, "theirs");
        put_alias(&server, &alice, &mine, &room_id).await;
        put_alias(&server, &alice, &theirs, &other).await;
        let set = |content| {
            put_state(
                &server,
                &alice,
                &room_id,
                "m.room.canonical_alias",
                "",
                content,
            )
        };
        for content in [
            json!({"alias": alias(&server, "missing")}),
            json!({"alias": theirs}),
            json!({"alias": mine, "alt_aliases": [theirs]}),
        ] {
            let (status, body) = set(content.clone()).await;
            assert_eq!(
                (status, errcode(&body)),
                (400, Some("M_BAD_ALIAS")),
                "{content}"
            );
        }
        let (status, body) = set(json!({"alias": "nope"})).await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_INVALID_PARAM")),
            "{body}"
        );
        let (status, body) = set(json!({"alias": mine, "alt_aliases": [mine]})).await;
        assert_eq!(status, 200, "{body}");

        // Deleting the alias drops it from the canonical alias event.
        let (status, _) = call(&server, &alice, Method::DELETE, &alias_path(&mine), None).await;
        assert_eq!(status, 200);
        let (_, content) = get_state(&server, &alice, &room_id, "m.room.canonical_alias", "").await;
        assert_eq!(content, json!({"alt_aliases": []}));
    })
    .await;
}

#[tokio::test]
async fn create_room_with_an_alias_makes_it_canonical_and_joinable() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let body = json!({"preset": "public_chat", "room_alias_name": "lounge"});
        let room_id = create_room(&server, &alice, body.clone()).await;
        let lounge = alias(&server, "lounge");
        let (_, resolved) = get_alias(&server, &lounge).await;
        assert_eq!(resolved["room_id"], room_id.as_str());
        let (status, content) =
            get_state(&server, &alice, &room_id, "m.room.canonical_alias", "").await;
        assert_eq!((status, content), (200, json!({"alias": lounge})));

        // The canonical alias comes right after the power levels (spec § "Creation").
        let (_, state) = call(
            &server,
            &alice,
            Method::GET,
            &room_path(&room_id, "state"),
            None,
        )
        .await;
        assert!(state.as_array().is_some_and(|s| s.len() >= 5));

        let (status, error) = call(
            &server,
            &alice,
            Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(&body),
        )
        .await;
        assert_eq!((status, errcode(&error)), (400, Some("M_ROOM_IN_USE")));
        assert_eq!(
            joined_rooms(&server, &alice).await,
            vec![room_id.clone()],
            "nothing created"
        );
        let (status, error) = call(
            &server,
            &alice,
            Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(&json!({"room_alias_name": "a:b"})),
        )
        .await;
        assert_eq!((status, errcode(&error)), (400, Some("M_INVALID_PARAM")));

        // Joining by alias, with via / server_name parameters accepted.
        let path = format!(
            "/_matrix/client/v3/join/{}?via={}&server_name={}",
            encode(&lounge),
            encode(&server.server_name),
            encode(&server.server_name)
        );
        let (status, body) = call(&server, &bob, Method::POST, &path, Some(&json!({}))).await;
        assert_eq!((status, body), (200, json!({"room_id": room_id})));
        assert_eq!(joined_rooms(&server, &bob).await, vec![room_id.clone()]);
        let missing = format!(
            "/_matrix/client/v3/join/{}",
            encode(&alias(&server, "none"))
        );
        let (status, body) = call(&server, &bob, Method::POST, &missing, None).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
    })
    .await;
}
