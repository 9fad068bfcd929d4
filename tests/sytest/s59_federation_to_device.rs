//! Send-to-device messages and presence between two Concord servers over HTTPS: messages for
//! another server's users leave as `m.direct_to_device` EDUs (taken in once per
//! `message_id`, only from the sender's own server), and presence changes as `m.presence`
//! EDUs to the servers sharing a room, seen in `/sync` and `GET /presence/{userId}/status`.
//! SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::federating_on;
use crate::harness::federation::{federation_request, shared_room, SharedRoom};
use crate::harness::rooms::{call, encode, new_txn_id, sync, sync_until_found};
use crate::harness::{each_backend, login, register, Session, TestServer};

/// The `to_device.events` of a response whose content has `"n"`, if any.
fn numbered(body: &Value) -> Option<Value> {
    let events = body["to_device"]["events"].as_array()?;
    let events: Vec<Value> = events
        .iter()
        .filter(|e| e["content"].get("n").is_some())
        .cloned()
        .collect();
    (!events.is_empty()).then_some(Value::Array(events))
}

async fn send_to_device(server: &TestServer, session: &Session, body: &Value) {
    let path = format!("/_matrix/client/v3/sendToDevice/m.test/{}", new_txn_id());
    let (status, answer) = call(server, session, Method::PUT, &path, Some(body)).await;
    assert_eq!((status, answer), (200, json!({})));
}

#[tokio::test]
async fn to_device_messages_reach_the_other_servers_devices() {
    each_backend(|backend| async move {
        let home = federating_on(backend.clone()).await;
        let remote = federating_on(backend).await;
        let alice = register(&home, "alice", "secret-alice").await;
        let bob = register(&remote, "bob", "secret-bob").await;
        let bob2 = login(&remote, "bob", "secret-bob").await;

        let body = json!({"messages": {bob.user_id.clone(): {"*": {"n": 1}}}});
        send_to_device(&home, &alice, &body).await;
        for device in [&bob, &bob2] {
            let events = sync_until_found(&remote, device, 30, numbered)
                .await
                .expect("bob never got the message");
            assert_eq!(
                events,
                json!([{"sender": alice.user_id, "type": "m.test", "content": {"n": 1}}])
            );
        }

        // And back, to one device.
        let body =
            json!({"messages": {alice.user_id.clone(): {alice.device_id.clone(): {"n": 2}}}});
        send_to_device(&remote, &bob, &body).await;
        let events = sync_until_found(&home, &alice, 30, numbered)
            .await
            .expect("alice never got the reply");
        assert_eq!(events[0]["sender"], json!(bob.user_id));
        assert_eq!(events[0]["content"], json!({"n": 2}));
    })
    .await;
}

#[tokio::test]
async fn direct_to_device_edus_are_taken_once_and_only_from_the_senders_server() {
    each_backend(|backend| async move {
        let home = federating_on(backend.clone()).await;
        let remote = federating_on(backend).await;
        let bob = register(&remote, "bob", "secret-bob").await;
        let edu = |sender: &str, message_id: &str, n: u64| {
            json!({"edu_type": "m.direct_to_device", "content": {
                "sender": sender,
                "type": "m.test",
                "message_id": message_id,
                "messages": {bob.user_id.clone(): {bob.device_id.clone(): {"n": n}}},
            }})
        };
        let alice_id = format!("@alice:{}", home.server_name);
        let forged = format!("@mallory:{}", "elsewhere.example");
        // Two transactions carrying the same message id, and a forged sender.
        for (txn, edus) in [
            ("t1", vec![edu(&alice_id, "m1", 1)]),
            ("t2", vec![edu(&alice_id, "m1", 1), edu(&forged, "m2", 2)]),
            ("t3", vec![edu(&alice_id, "m3", 3)]),
        ] {
            let body = json!({
                "origin": home.server_name,
                "origin_server_ts": 0,
                "pdus": [],
                "edus": edus,
            });
            let path = format!("/_matrix/federation/v1/send/{txn}");
            let (status, answer) =
                federation_request(&home, &remote, Method::PUT, &path, Some(&body)).await;
            assert_eq!(status, 200, "{answer}");
        }
        let body = sync(&remote, &bob, None, 0).await;
        let got: Vec<Value> = numbered(&body)
            .and_then(|events| events.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|e| e["content"]["n"].clone())
            .collect();
        assert_eq!(got, [json!(1), json!(3)], "{body}");
    })
    .await;
}

/// `PUT /presence/{userId}/status` as `session`.
async fn set_presence(server: &TestServer, session: &Session, presence: &str, status_msg: &str) {
    let path = format!(
        "/_matrix/client/v3/presence/{}/status",
        encode(&session.user_id)
    );
    let body = json!({"presence": presence, "status_msg": status_msg});
    let (status, answer) = call(server, session, Method::PUT, &path, Some(&body)).await;
    assert_eq!((status, answer), (200, json!({})));
}

/// The content of `user_id`'s `m.presence` event in a sync response, when its status
/// message is `status_msg`.
fn presence_with(body: &Value, user_id: &str, status_msg: &str) -> Option<Value> {
    body["presence"]["events"]
        .as_array()?
        .iter()
        .find(|e| e["sender"] == user_id && e["content"]["status_msg"] == status_msg)
        .map(|e| e["content"].clone())
}

#[tokio::test]
async fn presence_crosses_to_servers_sharing_a_room_both_ways() {
    each_backend(|backend| async move {
        let SharedRoom {
            home,
            remote,
            alice,
            bob,
            ..
        } = shared_room(backend).await;

        set_presence(&home, &alice, "unavailable", "out for lunch").await;
        let alice_id = alice.user_id.clone();
        let seen = sync_until_found(&remote, &bob, 30, |body| {
            presence_with(body, &alice_id, "out for lunch")
        })
        .await
        .expect("bob never saw alice's presence");
        assert_eq!(seen["presence"], "unavailable", "{seen}");
        let path = format!("/_matrix/client/v3/presence/{}/status", encode(&alice_id));
        let (status, answer) = call(&remote, &bob, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["presence"], "unavailable", "{answer}");
        assert_eq!(answer["status_msg"], "out for lunch", "{answer}");

        set_presence(&remote, &bob, "online", "back home").await;
        let bob_id = bob.user_id.clone();
        let seen = sync_until_found(&home, &alice, 30, |body| {
            presence_with(body, &bob_id, "back home")
        })
        .await
        .expect("alice never saw bob's presence");
        assert_eq!(seen["presence"], "online", "{seen}");
        assert_eq!(seen["currently_active"], true, "{seen}");
        let path = format!("/_matrix/client/v3/presence/{}/status", encode(&bob_id));
        let (status, answer) = call(&home, &alice, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["presence"], "online", "{answer}");
    })
    .await;
}

#[tokio::test]
async fn presence_of_another_servers_user_is_only_taken_from_that_server() {
    each_backend(|backend| async move {
        let SharedRoom {
            home,
            remote,
            alice,
            ..
        } = shared_room(backend).await;
        // The remote server claims presence for alice (a user of home): ignored.
        let body = json!({
            "origin": remote.server_name,
            "origin_server_ts": 0,
            "pdus": [],
            "edus": [{"edu_type": "m.presence", "content": {"push": [{
                "user_id": alice.user_id,
                "presence": "online",
                "status_msg": "forged",
                "last_active_ago": 0,
                "currently_active": true,
            }]}}],
        });
        let (status, answer) = federation_request(
            &remote,
            &home,
            Method::PUT,
            "/_matrix/federation/v1/send/forged",
            Some(&body),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        let path = format!(
            "/_matrix/client/v3/presence/{}/status",
            encode(&alice.user_id)
        );
        let (status, answer) = call(&home, &alice, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{answer}");
        assert_ne!(answer["status_msg"], "forged", "{answer}");
    })
    .await;
}
