//! Invites across two Concord servers over HTTPS (test CA): the invitee's server co-signs the
//! invite (`/v2/invite`), the invitee sees it in `/sync` with the stripped state, and joins
//! through the inviter's server without naming it.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::federation::federation_request;
use crate::harness::rooms::{call, create_room, encode, room_path};
use crate::harness::{federating, register, Session, TestServer};

async fn sync(server: &TestServer, session: &Session) -> Value {
    let (status, body) = call(
        server,
        session,
        Method::GET,
        "/_matrix/client/v3/sync",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn an_invite_to_another_server_is_co_signed_shown_and_accepted() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(
        &home,
        &alice,
        json!({"preset": "private_chat", "name": "Secret plans"}),
    )
    .await;
    let bob_id = format!("@bob:{}", remote.server_name);
    let (status, body) = call(
        &home,
        &alice,
        Method::POST,
        &room_path(&room_id, "invite"),
        Some(&json!({"user_id": bob_id})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The co-signed invite is in the room's state on the inviting server.
    let path = room_path(
        &room_id,
        &format!("state/m.room.member/{}", encode(&bob_id)),
    );
    let (status, member) = call(&home, &alice, Method::GET, &path, None).await;
    assert_eq!(
        (status, &member["membership"]),
        (200, &json!("invite")),
        "{member}"
    );

    // bob sees the invite with the room's name.
    let body = sync(&remote, &bob).await;
    let invite = &body["rooms"]["invite"][&room_id]["invite_state"]["events"];
    let events = invite
        .as_array()
        .unwrap_or_else(|| panic!("invite in {body}"));
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "Secret plans"),
        "{invite}"
    );
    assert!(
        events.iter().any(|e| e["type"] == "m.room.member"
            && e["state_key"] == json!(bob_id)
            && e["content"]["membership"] == "invite"),
        "{invite}"
    );

    // Accepting: /join by room id alone goes through the inviter's server.
    let path = format!("/_matrix/client/v3/join/{}", encode(&room_id));
    let (status, body) = call(&remote, &bob, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let path = room_path(
        &room_id,
        &format!("state/m.room.member/{}", encode(&bob_id)),
    );
    let (status, member) = call(&home, &alice, Method::GET, &path, None).await;
    assert_eq!(
        (status, &member["membership"]),
        (200, &json!("join")),
        "{member}"
    );
    let body = sync(&remote, &bob).await;
    assert!(body["rooms"]["join"].get(&room_id).is_some(), "{body}");
}

#[tokio::test]
async fn invites_for_unknown_users_or_from_the_wrong_server_are_refused() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(&home, &alice, json!({"preset": "private_chat"})).await;

    // Inviting a user the other server does not have: its 404 reaches the client as an error.
    let nobody = format!("@nobody:{}", remote.server_name);
    let (status, body) = call(
        &home,
        &alice,
        Method::POST,
        &room_path(&room_id, "invite"),
        Some(&json!({"user_id": nobody})),
    )
    .await;
    assert_eq!(
        (status, &body["errcode"]),
        (404, &json!("M_NOT_FOUND")),
        "{body}"
    );
    let path = room_path(
        &room_id,
        &format!("state/m.room.member/{}", encode(&nobody)),
    );
    let (status, _) = call(&home, &alice, Method::GET, &path, None).await;
    assert_eq!(status, 404, "a refused invite is not stored");

    // An invite event signed by nobody: 403; a body without an event: 400.
    let bob_id = format!("@bob:{}", remote.server_name);
    let forged = json!({
        "type": "m.room.member", "state_key": bob_id, "sender": format!("@alice:{}", home.server_name),
        "room_id": room_id, "content": {"membership": "invite"}, "origin_server_ts": 1, "depth": 5,
        "prev_events": [], "auth_events": [], "hashes": {"sha256": "AAAA"}, "signatures": {},
    });
    let path = format!(
        "/_matrix/federation/v2/invite/{}/{}",
        encode(&room_id),
        encode("$x")
    );
    let body = json!({"event": forged, "room_version": "10", "invite_room_state": []});
    let (status, answer) =
        federation_request(&home, &remote, Method::PUT, &path, Some(&body)).await;
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = federation_request(
        &home,
        &remote,
        Method::PUT,
        &path,
        Some(&json!({"room_version": "10"})),
    )
    .await;
    assert_eq!(
        (status, &answer["errcode"]),
        (400, &json!("M_BAD_JSON")),
        "{answer}"
    );
}

#[tokio::test]
async fn a_remote_invite_is_rejected_through_the_inviting_server() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(&home, &alice, json!({"preset": "private_chat"})).await;
    let bob_id = format!("@bob:{}", remote.server_name);
    let (status, body) = call(
        &home,
        &alice,
        Method::POST,
        &room_path(&room_id, "invite"),
        Some(&json!({"user_id": bob_id})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = call(
        &remote,
        &bob,
        Method::POST,
        &room_path(&room_id, "leave"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let path = room_path(
        &room_id,
        &format!("state/m.room.member/{}", encode(&bob_id)),
    );
    let (status, member) = call(&home, &alice, Method::GET, &path, None).await;
    assert_eq!(
        (status, &member["membership"]),
        (200, &json!("leave")),
        "{member}"
    );
    let body = sync(&remote, &bob).await;
    assert!(body["rooms"]["invite"].get(&room_id).is_none(), "{body}");
}

#[tokio::test]
async fn a_user_knocks_on_a_room_of_another_server() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(
        &home,
        &alice,
        json!({"preset": "private_chat", "name": "Knock knock", "initial_state": [
            {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "knock"}}
        ]}),
    )
    .await;
    let path = format!("/_matrix/client/v3/knock/{}", encode(&room_id));
    let (status, body) = call(
        &remote,
        &bob,
        Method::POST,
        &path,
        Some(&json!({"reason": "let me in"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let bob_id = format!("@bob:{}", remote.server_name);
    let path = room_path(
        &room_id,
        &format!("state/m.room.member/{}", encode(&bob_id)),
    );
    let (status, member) = call(&home, &alice, Method::GET, &path, None).await;
    assert_eq!(
        (status, &member["membership"]),
        (200, &json!("knock")),
        "{member}"
    );
    assert_eq!(member["reason"], json!("let me in"));
    let body = sync(&remote, &bob).await;
    let knock = &body["rooms"]["knock"][&room_id]["knock_state"]["events"];
    let events = knock
        .as_array()
        .unwrap_or_else(|| panic!("knock in {body}"));
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "Knock knock"),
        "{knock}"
    );
}
