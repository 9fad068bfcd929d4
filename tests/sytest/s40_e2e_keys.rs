//! End-to-end encryption key management (sytest `tests/41end-to-end-keys`): uploading,
//! querying and claiming keys, fallback keys, the key counts in `/sync`, and the device list
//! changes seen through `/sync`'s `device_lists` and `/keys/changes`; cross-signing in
//! `cross_signing.rs`. SQLite and PostgreSQL.

#[path = "s40_e2e_keys/cross_signing.rs"]
pub(crate) mod cross_signing;

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode, membership};
use crate::harness::{each_backend, login, register, Backend, Options, Session, TestServer};

async fn server_with(backend: Backend) -> TestServer {
    TestServer::start_with(Options::open_registration(backend)).await
}

/// The signed device keys a client would upload for `session`'s device.
fn device_keys(session: &Session) -> Value {
    let device = &session.device_id;
    json!({
        "user_id": session.user_id,
        "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {
            format!("curve25519:{device}"): format!("curve-{device}"),
            format!("ed25519:{device}"): format!("ed-{device}"),
        },
        "signatures": {session.user_id.clone(): {format!("ed25519:{device}"): "sig"}},
    })
}

async fn upload(server: &TestServer, session: &Session, body: Value) -> (u16, Value) {
    call(
        server,
        session,
        Method::POST,
        "/_matrix/client/v3/keys/upload",
        Some(&body),
    )
    .await
}

async fn query(server: &TestServer, session: &Session, body: Value) -> Value {
    let path = "/_matrix/client/v3/keys/query";
    let (status, answer) = call(server, session, Method::POST, path, Some(&body)).await;
    assert_eq!(status, 200, "query: {answer}");
    answer
}

async fn claim(server: &TestServer, session: &Session, owner: &Session) -> Value {
    let body = json!({"one_time_keys": {owner.user_id.clone(): {owner.device_id.clone(): "signed_curve25519"}}});
    let path = "/_matrix/client/v3/keys/claim";
    let (status, answer) = call(server, session, Method::POST, path, Some(&body)).await;
    assert_eq!(status, 200, "claim: {answer}");
    answer["one_time_keys"][&owner.user_id][&owner.device_id].clone()
}

async fn sync(server: &TestServer, session: &Session, since: Option<&str>) -> Value {
    let path = match since {
        Some(token) => format!("/_matrix/client/v3/sync?timeout=0&since={}", encode(token)),
        None => "/_matrix/client/v3/sync".to_owned(),
    };
    let (status, body) = call(server, session, Method::GET, &path, None).await;
    assert_eq!(status, 200, "sync: {body}");
    body
}

fn next_batch(body: &Value) -> String {
    body["next_batch"].as_str().expect("next_batch").to_owned()
}

fn listed(list: &Value, user_id: &str) -> bool {
    list.as_array()
        .is_some_and(|users| users.iter().any(|u| u == user_id))
}

#[tokio::test]
async fn keys_are_uploaded_queried_and_claimed_with_fallback() {
    each_backend(|backend| async move {
        let server = server_with(backend).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let path = format!("/_matrix/client/v3/devices/{}", encode(&alice.device_id));
        let name = json!({"display_name": "Alice's phone"});
        let (status, _) = call(&server, &alice, Method::PUT, &path, Some(&name)).await;
        assert_eq!(status, 200);

        // Device keys naming another user or device are refused.
        let mut wrong_user = device_keys(&alice);
        wrong_user["user_id"] = json!(bob.user_id);
        let (status, body) = upload(&server, &alice, json!({"device_keys": wrong_user})).await;
        assert_eq!(
            (status, body["errcode"].clone()),
            (400, json!("M_BAD_JSON"))
        );
        let mut wrong_device = device_keys(&alice);
        wrong_device["device_id"] = json!("NOTMINE");
        let (status, body) = upload(&server, &alice, json!({"device_keys": wrong_device})).await;
        assert_eq!(
            (status, body["errcode"].clone()),
            (400, json!("M_BAD_JSON"))
        );
        let (status, body) =
            upload(&server, &alice, json!({"one_time_keys": {"nocolon": "k"}})).await;
        assert_eq!(
            (status, body["errcode"].clone()),
            (400, json!("M_INVALID_PARAM"))
        );

        let (status, body) = upload(
            &server,
            &alice,
            json!({
                "device_keys": device_keys(&alice),
                "one_time_keys": {
                    "signed_curve25519:AAAA": {"key": "one"},
                    "signed_curve25519:AAAB": {"key": "two"},
                },
                "fallback_keys": {"signed_curve25519:FFFF": {"key": "fallback", "fallback": true}},
            }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["one_time_key_counts"]["signed_curve25519"], 2,
            "{body}"
        );
        // The same key id with another key is refused; the same key again is fine.
        let (status, _) = upload(
            &server,
            &alice,
            json!({"one_time_keys": {"signed_curve25519:AAAA": {"key": "other"}}}),
        )
        .await;
        assert_eq!(status, 400);
        let (status, body) = upload(&server, &alice, json!({})).await;
        assert_eq!(
            (
                status,
                body["one_time_key_counts"]["signed_curve25519"].clone()
            ),
            (200, json!(2))
        );

        // Query: an empty list is every device; the display name is in `unsigned`.
        let answer = query(
            &server,
            &bob,
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
        let keys = &answer["device_keys"][&alice.user_id][&alice.device_id];
        assert_eq!(keys["keys"], device_keys(&alice)["keys"], "{answer}");
        assert_eq!(keys["signatures"], device_keys(&alice)["signatures"]);
        assert_eq!(keys["unsigned"]["device_display_name"], "Alice's phone");
        assert_eq!(answer["failures"], json!({}));
        let named = query(
            &server,
            &bob,
            json!({"device_keys": {alice.user_id.clone(): ["OTHER"]}}),
        )
        .await;
        assert_eq!(named["device_keys"][&alice.user_id], json!({}), "{named}");

        // The sync of alice's device shows the counts and the unused fallback key.
        let body = sync(&server, &alice, None).await;
        assert_eq!(
            body["device_one_time_keys_count"]["signed_curve25519"], 2,
            "{body}"
        );
        assert_eq!(
            body["device_unused_fallback_key_types"],
            json!(["signed_curve25519"])
        );

        // Two one-time keys, each once; then the fallback key, which stays.
        let first = claim(&server, &bob, &alice).await;
        let second = claim(&server, &bob, &alice).await;
        assert_eq!(first, json!({"signed_curve25519:AAAA": {"key": "one"}}));
        assert_eq!(second, json!({"signed_curve25519:AAAB": {"key": "two"}}));
        let body = sync(&server, &alice, None).await;
        assert_eq!(
            body["device_one_time_keys_count"]["signed_curve25519"], 0,
            "{body}"
        );
        let fallback = claim(&server, &bob, &alice).await;
        assert_eq!(
            fallback,
            json!({"signed_curve25519:FFFF": {"key": "fallback", "fallback": true}})
        );
        let again = claim(&server, &bob, &alice).await;
        assert_eq!(again, fallback);
        let body = sync(&server, &alice, None).await;
        assert_eq!(
            body["device_unused_fallback_key_types"],
            json!([]),
            "{body}"
        );
        // A new fallback key is unused again.
        let (status, _) = upload(
            &server,
            &alice,
            json!({"fallback_keys": {"signed_curve25519:GGGG": {"key": "new"}}}),
        )
        .await;
        assert_eq!(status, 200);
        let body = sync(&server, &alice, None).await;
        assert_eq!(
            body["device_unused_fallback_key_types"],
            json!(["signed_curve25519"])
        );

        // A deleted device's keys are gone.
        let path = format!("/_matrix/client/v3/devices/{}", encode(&alice.device_id));
        let auth =
            json!({"auth": crate::harness::password_auth(&alice.user_id, "wonderland", None)});
        let (status, body) = call(&server, &alice, Method::DELETE, &path, Some(&auth)).await;
        assert_eq!(status, 200, "{body}");
        let answer = query(
            &server,
            &bob,
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
        assert_eq!(answer["device_keys"][&alice.user_id], json!({}), "{answer}");
        let gone = claim(&server, &bob, &alice).await;
        assert_eq!(gone, Value::Null);
    })
    .await;
}

#[tokio::test]
async fn device_list_changes_reach_users_sharing_a_room() {
    each_backend(|backend| async move {
        let server = server_with(backend).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let carol = register(&server, "carol", "singer").await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        let start = next_batch(&sync(&server, &bob, None).await);

        // Alice uploads keys: bob (sharing a room) and alice herself see it; carol does not.
        let carol_start = next_batch(&sync(&server, &carol, None).await);
        let alice_start = next_batch(&sync(&server, &alice, None).await);
        let (status, _) =
            upload(&server, &alice, json!({"device_keys": device_keys(&alice)})).await;
        assert_eq!(status, 200);
        let body = sync(&server, &bob, Some(&start)).await;
        assert!(
            listed(&body["device_lists"]["changed"], &alice.user_id),
            "{body}"
        );
        let after_upload = next_batch(&body);
        let body = sync(&server, &alice, Some(&alice_start)).await;
        assert!(
            listed(&body["device_lists"]["changed"], &alice.user_id),
            "{body}"
        );
        let body = sync(&server, &carol, Some(&carol_start)).await;
        assert!(
            !listed(&body["device_lists"]["changed"], &alice.user_id),
            "{body}"
        );
        // Nothing new: not listed again.
        let body = sync(&server, &bob, Some(&after_upload)).await;
        assert!(
            !listed(&body["device_lists"]["changed"], &alice.user_id),
            "{body}"
        );

        // /keys/changes between the two tokens.
        let path = format!(
            "/_matrix/client/v3/keys/changes?from={}&to={}",
            encode(&start),
            encode(&after_upload)
        );
        let (status, changes) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{changes}");
        assert!(listed(&changes["changed"], &alice.user_id), "{changes}");
        let (status, body) = call(
            &server,
            &bob,
            Method::GET,
            "/_matrix/client/v3/keys/changes?from=s0",
            None,
        )
        .await;
        assert_eq!(
            (status, body["errcode"].clone()),
            (400, json!("M_MISSING_PARAM"))
        );

        // A new login of alice is a change too.
        let _phone = login(&server, "alice", "wonderland").await;
        let body = sync(&server, &bob, Some(&after_upload)).await;
        assert!(
            listed(&body["device_lists"]["changed"], &alice.user_id),
            "{body}"
        );
        let token = next_batch(&body);

        // Carol joins: she newly shares a room with bob.
        let (status, _) = membership(&server, &carol, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        let body = sync(&server, &bob, Some(&token)).await;
        assert!(
            listed(&body["device_lists"]["changed"], &carol.user_id),
            "{body}"
        );
        let token = next_batch(&body);

        // Carol leaves: bob and she share no room any more.
        let (status, _) = membership(&server, &carol, &room_id, "leave", json!({})).await;
        assert_eq!(status, 200);
        let body = sync(&server, &bob, Some(&token)).await;
        assert!(
            listed(&body["device_lists"]["left"], &carol.user_id),
            "{body}"
        );
        assert!(
            !listed(&body["device_lists"]["changed"], &carol.user_id),
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_key_upload_wakes_a_long_poll_of_a_room_member() {
    each_backend(|backend| async move {
        let server = std::sync::Arc::new(server_with(backend).await);
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        let start = next_batch(&sync(&server, &bob, None).await);
        let poll = {
            let (server, bob) = (server.clone(), bob.clone());
            tokio::spawn(async move {
                let path = format!(
                    "/_matrix/client/v3/sync?timeout=30000&since={}",
                    encode(&start)
                );
                call(&server, &bob, Method::GET, &path, None).await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (status, _) =
            upload(&server, &alice, json!({"device_keys": device_keys(&alice)})).await;
        assert_eq!(status, 200);
        let (status, body) = poll.await.expect("long-poll");
        assert_eq!(status, 200);
        assert!(
            listed(&body["device_lists"]["changed"], &alice.user_id),
            "{body}"
        );
    })
    .await;
}
