//! Joining a room another server hosts, between two Concord servers over HTTPS (test CA):
//! `/join` with `server_name` runs `make_join`/`send_join` against the resident server; both
//! servers then hold the same room state; the handshake refuses what it must.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::federation::federation_request;
use crate::harness::rooms::{call, create_room, encode, room_path, send_message, sync_until};
use crate::harness::{federating, register, Session, TestServer};

/// `/join/{room}?server_name=…` as `session`.
async fn join_via(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    via: &str,
) -> (u16, Value) {
    let path = format!(
        "/_matrix/client/v3/join/{}?server_name={}",
        encode(room_id),
        encode(via)
    );
    call(server, session, Method::POST, &path, Some(&json!({}))).await
}

/// The room's state as `(type, state_key) → event_id`, sorted, from `/state`.
async fn state_ids(
    server: &TestServer,
    session: &Session,
    room_id: &str,
) -> Vec<(String, String, String)> {
    let (status, body) = call(
        server,
        session,
        Method::GET,
        &room_path(room_id, "state"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<(String, String, String)> = body
        .as_array()
        .expect("state array")
        .iter()
        .map(|event| {
            (
                event["type"].as_str().unwrap_or_default().to_owned(),
                event["state_key"].as_str().unwrap_or_default().to_owned(),
                event["event_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_user_joins_a_room_hosted_on_another_server() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(
        &home,
        &alice,
        json!({"preset": "public_chat", "name": "Lobby", "room_alias_name": "lobby"}),
    )
    .await;

    // By alias: the alias's server is asked (/query/directory) and is the server joined through.
    let alias = format!("#lobby:{}", home.server_name);
    let path = format!("/_matrix/client/v3/join/{}", encode(&alias));
    let (status, body) = call(&remote, &bob, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["room_id"], json!(room_id));

    // Both servers see the same state, bob joined in it.
    let on_remote = state_ids(&remote, &bob, &room_id).await;
    let on_home = state_ids(&home, &alice, &room_id).await;
    assert_eq!(on_remote, on_home);
    let bob_id = format!("@bob:{}", remote.server_name);
    let path = room_path(
        &room_id,
        &format!("state/m.room.member/{}", encode(&bob_id)),
    );
    for (server, session) in [(&home, &alice), (&remote, &bob)] {
        let (status, member) = call(server, session, Method::GET, &path, None).await;
        assert_eq!(
            (status, &member["membership"]),
            (200, &json!("join")),
            "{member}"
        );
    }
    let (status, rooms) = call(
        &remote,
        &bob,
        Method::GET,
        "/_matrix/client/v3/joined_rooms",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(rooms["joined_rooms"], json!([room_id]));
    let (status, name) = call(
        &remote,
        &bob,
        Method::GET,
        &room_path(&room_id, "state/m.room.name/"),
        None,
    )
    .await;
    assert_eq!((status, &name["name"]), (200, &json!("Lobby")), "{name}");

    // Joining again changes nothing.
    let (status, body) = join_via(&remote, &bob, &room_id, &home.server_name).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(state_ids(&remote, &bob, &room_id).await, on_remote);
}

#[tokio::test]
async fn the_join_handshake_refuses_what_it_must() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let mallory = register(&remote, "mallory", "secret-mallory").await;
    let carol = register(&remote, "carol", "secret-carol").await;
    let private = create_room(&home, &alice, json!({"preset": "private_chat"})).await;
    let public = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
    let mallory_id = format!("@mallory:{}", remote.server_name);
    let (status, body) = call(
        &home,
        &alice,
        Method::POST,
        &room_path(&public, "ban"),
        Some(&json!({"user_id": mallory_id})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // An invite-only room and a ban: the client sees the resident server's 403.
    let (status, body) = join_via(&remote, &carol, &private, &home.server_name).await;
    assert_eq!(
        (status, &body["errcode"]),
        (403, &json!("M_FORBIDDEN")),
        "{body}"
    );
    let (status, body) = join_via(&remote, &mallory, &public, &home.server_name).await;
    assert_eq!(
        (status, &body["errcode"]),
        (403, &json!("M_FORBIDDEN")),
        "{body}"
    );

    // make_join: only for the requesting server's own users, known rooms, supported versions.
    let alice_id = format!("@alice:{}", home.server_name);
    let carol_id = format!("@carol:{}", remote.server_name);
    let make_join = |room: &str, user: &str, query: &str| {
        format!(
            "/_matrix/federation/v1/make_join/{}/{}{query}",
            encode(room),
            encode(user)
        )
    };
    let (status, body) = federation_request(
        &remote,
        &home,
        Method::GET,
        &make_join(&public, &alice_id, "?ver=10"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["errcode"]),
        (403, &json!("M_FORBIDDEN")),
        "{body}"
    );
    let unknown = format!("!nowhere:{}", home.server_name);
    let (status, body) = federation_request(
        &remote,
        &home,
        Method::GET,
        &make_join(&unknown, &carol_id, "?ver=10"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["errcode"]),
        (404, &json!("M_NOT_FOUND")),
        "{body}"
    );
    let (status, body) = federation_request(
        &remote,
        &home,
        Method::GET,
        &make_join(&public, &carol_id, "?ver=1"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["errcode"]),
        (400, &json!("M_INCOMPATIBLE_ROOM_VERSION")),
        "{body}"
    );
    let (status, body) = federation_request(
        &remote,
        &home,
        Method::GET,
        &make_join(&public, &carol_id, "?ver=9&ver=10"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["room_version"], json!("10"));
    assert_eq!(body["event"]["type"], json!("m.room.member"));
    assert_eq!(body["event"]["content"]["membership"], json!("join"));
    assert!(body["event"].get("signatures").is_none(), "{body}");

    // send_join of an event that is not what the path names: 400.
    let mut event = body["event"].clone();
    event["origin_server_ts"] = json!(1);
    let path = format!(
        "/_matrix/federation/v2/send_join/{}/{}",
        encode(&public),
        encode("$not-the-event")
    );
    let (status, body) = federation_request(&remote, &home, Method::PUT, &path, Some(&event)).await;
    assert_eq!(status, 400, "{body}");

    // A server the room's ACL denies (both test servers are 127.0.0.1; ports are not matched)
    // may not even ask.
    let acl = json!({"allow": ["*"], "deny": ["127.0.0.1"]});
    let (status, body) = call(
        &home,
        &alice,
        Method::PUT,
        &room_path(&public, "state/m.room.server_acl/"),
        Some(&acl),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = federation_request(
        &remote,
        &home,
        Method::GET,
        &make_join(&public, &carol_id, "?ver=10"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["errcode"]),
        (403, &json!("M_FORBIDDEN")),
        "{body}"
    );
    let (status, body) = join_via(&remote, &carol, &public, &home.server_name).await;
    assert_eq!(
        (status, &body["errcode"]),
        (403, &json!("M_FORBIDDEN")),
        "{body}"
    );
}

#[tokio::test]
async fn messages_and_membership_flow_both_ways_after_a_remote_join() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
    let (status, body) = join_via(&remote, &bob, &room_id, &home.server_name).await;
    assert_eq!(status, 200, "{body}");

    send_message(&home, &alice, &room_id, "hello from home").await;
    let seen = sync_until(&remote, &bob, &room_id, 30, |e| {
        e["content"]["body"] == "hello from home"
    })
    .await;
    assert!(seen.is_some(), "bob never saw alice's message");

    send_message(&remote, &bob, &room_id, "hello from remote").await;
    let seen = sync_until(&home, &alice, &room_id, 30, |e| {
        e["content"]["body"] == "hello from remote"
    })
    .await;
    let seen = seen.expect("alice never saw bob's message");
    assert_eq!(
        seen["sender"],
        json!(format!("@bob:{}", remote.server_name))
    );

    // A state change on the remote side is accepted and becomes state on the home side.
    let (status, body) = call(
        &remote,
        &bob,
        Method::PUT,
        &room_path(&room_id, "state/m.room.topic/"),
        Some(&json!({"topic": "bob was here"})),
    )
    .await;
    assert_eq!(status, 403, "bob lacks the power for the topic: {body}");
    let (status, body) = call(
        &remote,
        &bob,
        Method::POST,
        &room_path(&room_id, "leave"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let bob_id = format!("@bob:{}", remote.server_name);
    let left = sync_until(&home, &alice, &room_id, 30, |e| {
        e["type"] == "m.room.member"
            && e["state_key"] == json!(bob_id)
            && e["content"]["membership"] == "leave"
    })
    .await;
    assert!(left.is_some(), "alice never saw bob leave");
    assert_eq!(
        state_ids(&home, &alice, &room_id).await.len(),
        state_ids(&remote, &bob, &room_id).await.len()
    );
}

#[tokio::test]
async fn a_restricted_room_admits_remote_members_of_an_allowed_room() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let parent = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
    let restricted = create_room(
        &home,
        &alice,
        json!({"preset": "private_chat", "initial_state": [{
            "type": "m.room.join_rules", "state_key": "",
            "content": {"join_rule": "restricted", "allow": [{"type": "m.room_membership", "room_id": parent}]}
        }]}),
    )
    .await;

    // Not in the allowed room yet: refused.
    let (status, body) = join_via(&remote, &bob, &restricted, &home.server_name).await;
    assert_eq!(
        (status, &body["errcode"]),
        (403, &json!("M_FORBIDDEN")),
        "{body}"
    );

    // A member of the allowed room: admitted, vouched for by alice's server.
    let (status, body) = join_via(&remote, &bob, &parent, &home.server_name).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = join_via(&remote, &bob, &restricted, &home.server_name).await;
    assert_eq!(status, 200, "{body}");
    let bob_id = format!("@bob:{}", remote.server_name);
    let path = room_path(
        &restricted,
        &format!("state/m.room.member/{}", encode(&bob_id)),
    );
    for (server, session) in [(&home, &alice), (&remote, &bob)] {
        let (status, member) = call(server, session, Method::GET, &path, None).await;
        assert_eq!(
            (status, &member["membership"]),
            (200, &json!("join")),
            "{member}"
        );
        assert_eq!(
            member["join_authorised_via_users_server"],
            json!(format!("@alice:{}", home.server_name))
        );
    }
}
