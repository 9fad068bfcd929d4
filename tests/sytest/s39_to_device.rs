//! Send-to-device messaging on one server (sytest `tests/46direct/01directmessage`): messages
//! to one device and to `*`, transaction ids, acknowledgement and deletion through `/sync`
//! tokens, the 100-message limit, long-poll wake-ups and bad bodies. SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, encode, new_txn_id, next_batch, sync};
use crate::harness::{each_backend, login, register, Backend, Options, Session, TestServer};

/// `PUT /sendToDevice/{type}/{txn}` as `session`: the status and body.
async fn send_to_device(
    server: &TestServer,
    session: &Session,
    event_type: &str,
    txn_id: &str,
    body: &Value,
) -> (u16, Value) {
    let path = format!(
        "/_matrix/client/v3/sendToDevice/{}/{}",
        encode(event_type),
        encode(txn_id)
    );
    call(server, session, Method::PUT, &path, Some(body)).await
}

/// Sends `content` of type `m.test` to `user_id`'s `device_id` in a new transaction.
async fn send_one(
    server: &TestServer,
    session: &Session,
    user_id: &str,
    device_id: &str,
    content: Value,
) {
    let body = json!({"messages": {user_id: {device_id: content}}});
    let (status, answer) = send_to_device(server, session, "m.test", &new_txn_id(), &body).await;
    assert_eq!((status, answer), (200, json!({})));
}

/// The `to_device.events` of a sync response.
fn to_device(body: &Value) -> Vec<Value> {
    body["to_device"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A server with open registration, alice, and bob logged in on two devices.
async fn alice_and_bob(backend: Backend) -> (TestServer, Session, Session, Session) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    let bob2 = login(&server, "bob", "builder").await;
    (server, alice, bob, bob2)
}

#[tokio::test]
async fn messages_reach_the_named_device_or_every_device_with_a_star() {
    each_backend(|backend| async move {
        let (server, alice, bob, bob2) = alice_and_bob(backend).await;
        send_one(
            &server,
            &alice,
            &bob.user_id,
            &bob.device_id,
            json!({"n": 1}),
        )
        .await;
        let events = to_device(&sync(&server, &bob, None, 0).await);
        assert_eq!(
            events,
            [json!({"sender": alice.user_id, "type": "m.test", "content": {"n": 1}})]
        );
        assert_eq!(
            to_device(&sync(&server, &bob2, None, 0).await),
            [] as [Value; 0]
        );

        // `*`: every device; unknown users and devices are ignored.
        let body = json!({"messages": {
            bob.user_id.clone(): {"*": {"n": 2}},
            format!("@nobody:{}", server.server_name): {"*": {"n": 3}},
            alice.user_id.clone(): {"NOSUCHDEVICE": {"n": 4}},
        }});
        let (status, answer) = send_to_device(&server, &alice, "m.test", "star", &body).await;
        assert_eq!((status, answer), (200, json!({})));
        let events = to_device(&sync(&server, &bob2, None, 0).await);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["content"], json!({"n": 2}));
        let events = to_device(&sync(&server, &bob, None, 0).await);
        let contents: Vec<&Value> = events.iter().map(|e| &e["content"]).collect();
        assert_eq!(contents, [&json!({"n": 1}), &json!({"n": 2})]);
        assert_eq!(
            to_device(&sync(&server, &alice, None, 0).await),
            [] as [Value; 0]
        );
    })
    .await;
}

#[tokio::test]
async fn a_repeated_transaction_id_sends_once_per_device() {
    each_backend(|backend| async move {
        let (server, alice, bob, _) = alice_and_bob(backend).await;
        let alice2 = login(&server, "alice", "wonderland").await;
        let body = json!({"messages": {bob.user_id.clone(): {bob.device_id.clone(): {"x": 1}}}});
        for session in [&alice, &alice, &alice2] {
            let (status, answer) = send_to_device(&server, session, "m.test", "t1", &body).await;
            assert_eq!((status, answer), (200, json!({})));
        }
        // Also through the r0 path.
        let path = "/_matrix/client/r0/sendToDevice/m.test/t1";
        let (status, answer) = call(&server, &alice, Method::PUT, path, Some(&body)).await;
        assert_eq!((status, answer), (200, json!({})));
        // The same txn id for another event type is another request.
        let path = "/_matrix/client/v3/sendToDevice/m.other/t1";
        let (status, answer) = call(&server, &alice, Method::PUT, path, Some(&body)).await;
        assert_eq!((status, answer), (200, json!({})));
        // Once from alice's first device, once from her second, once as m.other.
        let events = to_device(&sync(&server, &bob, None, 0).await);
        let types: Vec<&Value> = events.iter().map(|e| &e["type"]).collect();
        assert_eq!(types, ["m.test", "m.test", "m.other"], "{events:?}");
    })
    .await;
}

#[tokio::test]
async fn messages_stay_until_a_sync_acknowledges_them() {
    each_backend(|backend| async move {
        let (server, alice, bob, _) = alice_and_bob(backend).await;
        let before = next_batch(&sync(&server, &bob, None, 0).await);
        send_one(
            &server,
            &alice,
            &bob.user_id,
            &bob.device_id,
            json!({"n": 1}),
        )
        .await;
        let first = sync(&server, &bob, Some(&before), 0).await;
        assert_eq!(to_device(&first).len(), 1, "{first}");
        let after = next_batch(&first);
        // The old token again: not acknowledged yet, delivered again.
        let again = sync(&server, &bob, Some(&before), 0).await;
        assert_eq!(to_device(&again).len(), 1, "{again}");
        // The new token acknowledges it: not repeated, and deleted.
        let next = sync(&server, &bob, Some(&after), 0).await;
        assert_eq!(to_device(&next), [] as [Value; 0]);
        let old = sync(&server, &bob, Some(&before), 0).await;
        assert_eq!(to_device(&old), [] as [Value; 0]);
    })
    .await;
}

#[tokio::test]
async fn a_sync_delivers_at_most_100_messages_and_the_rest_next() {
    each_backend(|backend| async move {
        let (server, alice, bob, _) = alice_and_bob(backend).await;
        for n in 0..105 {
            send_one(
                &server,
                &alice,
                &bob.user_id,
                &bob.device_id,
                json!({"n": n}),
            )
            .await;
        }
        let first = sync(&server, &bob, None, 0).await;
        let events = to_device(&first);
        assert_eq!(events.len(), 100);
        assert_eq!(events[0]["content"], json!({"n": 0}));
        assert_eq!(events[99]["content"], json!({"n": 99}));
        let second = sync(&server, &bob, Some(&next_batch(&first)), 0).await;
        let rest: Vec<Value> = to_device(&second)
            .iter()
            .map(|e| e["content"]["n"].clone())
            .collect();
        assert_eq!(rest, [100, 101, 102, 103, 104].map(|n| json!(n)));
        let third = sync(&server, &bob, Some(&next_batch(&second)), 0).await;
        assert_eq!(to_device(&third), [] as [Value; 0]);
    })
    .await;
}

#[tokio::test]
async fn a_message_wakes_the_recipients_long_poll() {
    each_backend(|backend| async move {
        let (server, alice, bob, _) = alice_and_bob(backend).await;
        let since = next_batch(&sync(&server, &bob, None, 0).await);
        let poll = {
            let (url, token) = (
                server.url(&format!(
                    "/_matrix/client/v3/sync?timeout=20000&since={}",
                    encode(&since)
                )),
                bob.access_token.clone(),
            );
            tokio::spawn(async move {
                let response = crate::harness::client()
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("sync");
                response.json::<Value>().await.expect("sync body")
            })
        };
        // Bounded: the poll is registered within a few rounds of yielding.
        for _ in 0..20 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        send_one(
            &server,
            &alice,
            &bob.user_id,
            &bob.device_id,
            json!({"wake": true}),
        )
        .await;
        let body = poll.await.expect("poll");
        assert_eq!(to_device(&body).len(), 1, "{body}");
        assert_eq!(to_device(&body)[0]["content"], json!({"wake": true}));
    })
    .await;
}

#[tokio::test]
async fn bad_send_to_device_bodies_are_rejected() {
    each_backend(|backend| async move {
        let (server, alice, bob, _) = alice_and_bob(backend).await;
        let bob_id = bob.user_id.clone();
        for body in [
            json!({}),
            json!({"messages": []}),
            json!({"messages": {bob_id.clone(): "text"}}),
            json!({"messages": {bob_id.clone(): {"DEVICE": 1}}}),
            json!({"messages": {bob_id.clone(): {"DEVICE": [1]}}}),
        ] {
            let (status, answer) = send_to_device(&server, &alice, "m.test", "bad", &body).await;
            assert_eq!(status, 400, "{body}: {answer}");
            assert_eq!(answer["errcode"], "M_BAD_JSON", "{body}: {answer}");
        }
        let body = json!({"messages": {"bob": {"DEVICE": {}}}});
        let (status, answer) = send_to_device(&server, &alice, "m.test", "bad", &body).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["errcode"], "M_INVALID_PARAM", "{answer}");
        let response = crate::harness::client()
            .put(server.url("/_matrix/client/v3/sendToDevice/m.test/raw"))
            .bearer_auth(&alice.access_token)
            .body("{not json")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 400);
        let answer: Value = response.json().await.expect("body");
        assert_eq!(answer["errcode"], "M_NOT_JSON", "{answer}");
        let path = "/_matrix/client/v3/sendToDevice/m.test/anon";
        let (status, answer) = crate::harness::request(
            &server,
            Method::PUT,
            path,
            None,
            Some(&json!({"messages": {}})),
        )
        .await;
        assert_eq!(status, 401, "{answer}");
        // None of the rejected requests stored anything; the "bad" txn id is still free.
        let body = json!({"messages": {bob_id: {bob.device_id.clone(): {"ok": true}}}});
        let (status, _) = send_to_device(&server, &alice, "m.test", "bad", &body).await;
        assert_eq!(status, 200);
        let events = to_device(&sync(&server, &bob, None, 0).await);
        assert_eq!(events.len(), 1, "{events:?}");
    })
    .await;
}
