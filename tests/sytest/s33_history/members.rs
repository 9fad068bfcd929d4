//! `GET /members`: now, at a token, by membership; for members who left; 403 for others.

use reqwest::Method;
use serde_json::{json, Value};

use super::{alice_and_bob, errcode, messages, query_value};
use crate::harness::rooms::{call, create_room, membership, room_path};
use crate::harness::{each_backend, register, Session, TestServer};

/// `GET /members?{query}`: the status and `(user, membership)` pairs, sorted.
async fn members(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    query: &str,
) -> (u16, Vec<(String, String)>, Value) {
    let path = room_path(room_id, &format!("members?{query}"));
    let (status, body) = call(server, session, Method::GET, &path, None).await;
    let mut pairs: Vec<(String, String)> = body["chunk"]
        .as_array()
        .map(|chunk| {
            chunk
                .iter()
                .map(|e| {
                    assert_eq!(e["type"], "m.room.member", "{e}");
                    (
                        e["state_key"].as_str().unwrap_or("").to_owned(),
                        e["content"]["membership"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    (status, pairs, body)
}

fn pair(user: &Session, membership: &str) -> (String, String) {
    (user.user_id.clone(), membership.to_owned())
}

#[tokio::test]
async fn members_now_at_a_token_and_by_membership() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let carol = register(&server, "carol", "christmas").await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (_, page) = messages(&server, &alice, &room_id, "dir=b&limit=1").await;
        let before_bob = page["start"].as_str().unwrap().to_owned();
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );

        let (status, all, body) = members(&server, &alice, &room_id, "").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(all, [pair(&alice, "join"), pair(&bob, "join")]);
        let at = format!("at={}", query_value(&before_bob));
        let (_, then, _) = members(&server, &alice, &room_id, &at).await;
        assert_eq!(then, [pair(&alice, "join")], "members at the token");

        assert_eq!(
            membership(&server, &bob, &room_id, "leave", json!({}))
                .await
                .0,
            200
        );
        let (_, joined, _) = members(&server, &alice, &room_id, "membership=join").await;
        assert_eq!(joined, [pair(&alice, "join")]);
        let (_, others, _) = members(&server, &alice, &room_id, "not_membership=join").await;
        assert_eq!(others, [pair(&bob, "leave")]);
        let (_, none, _) = members(
            &server,
            &alice,
            &room_id,
            "membership=join&not_membership=join",
        )
        .await;
        assert!(none.is_empty());

        // Bob left: he sees the members as of his leave, even after later changes.
        let invite = json!({"user_id": carol.user_id});
        assert_eq!(
            membership(&server, &alice, &room_id, "invite", invite)
                .await
                .0,
            200
        );
        let (status, as_left, body) = members(&server, &bob, &room_id, "").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(as_left, [pair(&alice, "join"), pair(&bob, "leave")]);
        // Carol, only invited, and a stranger never were members.
        let stranger = register(&server, "dave", "grohl").await;
        for session in [&carol, &stranger] {
            let (status, _, body) = members(&server, session, &room_id, "").await;
            assert_eq!(
                (status, errcode(&body)),
                (403, Some("M_FORBIDDEN")),
                "{body}"
            );
        }
        let (status, _, body) = members(&server, &alice, &room_id, "at=bogus").await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_INVALID_PARAM")),
            "{body}"
        );
    })
    .await;
}
