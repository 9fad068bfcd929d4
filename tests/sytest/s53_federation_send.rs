//! Transactions between two Concord servers over HTTPS (test CA): the durable outgoing queue
//! delivers PDUs and EDUs with `PUT /_matrix/federation/v1/send/{txnId}`, survives a restart
//! of the sender while the destination is down, delivers each item once and in order, and is
//! not held up by a destination that hangs; the receiver answers a repeated transaction id
//! with the stored response and refuses malformed, oversized and unsigned transactions; a
//! message in a room with a member on another server is queued for that server.
//!
//! Until the incoming PDU pipeline exists every PDU is answered `{"error": "not handled
//! yet"}`, keyed by its `event_id` field (the test rooms are unknown to the receiver), so the
//! receiver's stored responses show which events arrived in which transaction.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::harness::federation::federation_request;
use crate::harness::rooms::{create_room, join_via, send_message};
use crate::harness::{client, each_backend, register, Backend, Options, TestServer};

async fn tls_server(backend: Backend) -> TestServer {
    TestServer::start_with(Options {
        tls: true,
        backend,
        ..Options::default()
    })
    .await
}

/// A room-version-1 style PDU with an `event_id` field, of a room the receiver is not in (so
/// each is answered with an error: these tests are about the transport).
fn pdu(origin: &TestServer, n: usize) -> Value {
    json!({
        "event_id": format!("$e{n}:{}", origin.server_name),
        "room_id": format!("!unknown:{}", origin.server_name),
        "sender": format!("@alice:{}", origin.server_name),
        "origin": origin.server_name,
        "origin_server_ts": 1_700_000_000_000_u64 + n as u64,
        "type": "m.room.message",
        "content": {"body": format!("message {n}")},
        "prev_events": [],
        "auth_events": [],
        "depth": n,
    })
}

/// The event numbers `n` of `$e{n}:…` ids.
fn numbers<'a>(event_ids: impl Iterator<Item = &'a String>) -> Vec<usize> {
    event_ids
        .filter_map(|id| id.strip_prefix("$e")?.split(':').next()?.parse().ok())
        .collect()
}

/// `receiver`'s stored transactions from `sender`, in the order they were processed: each one's
/// event numbers (sorted: a response is a map).
async fn received(receiver: &TestServer, sender: &TestServer) -> Vec<Vec<usize>> {
    let mut transactions = receiver
        .database()
        .inbound_transactions(&sender.server_name)
        .await
        .expect("inbound transactions");
    // Processed one after the other; on a tie of the clock, the queue's first row id (the
    // part after the dot) orders them.
    let first_row = |txn_id: &str| -> u64 {
        txn_id
            .rsplit('.')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or(0)
    };
    transactions.sort_by_key(|t| (t.received_ts, first_row(&t.txn_id)));
    transactions
        .iter()
        .map(|t| {
            let response: Value = serde_json::from_str(&t.response_json).expect("response");
            let pdus = response["pdus"].as_object().expect("pdus");
            for result in pdus.values() {
                assert!(result["error"].is_string(), "{result}");
            }
            let mut numbers = numbers(pdus.keys());
            numbers.sort_unstable();
            numbers
        })
        .collect()
}

/// Waits until `sender` has nothing queued for `destination` (panics after `limit`).
async fn drained(sender: &TestServer, destination: &str, limit: Duration) {
    let start = Instant::now();
    while sender
        .database()
        .has_outgoing(destination)
        .await
        .expect("queue")
    {
        assert!(
            start.elapsed() < limit,
            "still queued for {destination} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn queued_pdus_and_edus_reach_another_server_in_a_transaction() {
    let home = tls_server(Backend::Sqlite).await;
    let remote = tls_server(Backend::Sqlite).await;
    let sender = home.federation_sender();
    // Our own name is never a destination.
    sender
        .enqueue_pdu(
            &[remote.server_name.clone(), home.server_name.clone()],
            &pdu(&home, 1),
        )
        .await;
    let typing = json!({"edu_type": "m.typing", "content": {
        "room_id": "!unknown:x", "user_id": format!("@alice:{}", home.server_name), "typing": true}});
    sender.enqueue_edu(&remote.server_name, &typing).await;
    drained(&home, &remote.server_name, Duration::from_secs(10)).await;
    assert!(!home
        .database()
        .has_outgoing(&home.server_name)
        .await
        .expect("queue"));
    let all: Vec<usize> = received(&remote, &home).await.concat();
    assert_eq!(all, [1]);
    let retry = home
        .database()
        .destination_retry(&remote.server_name)
        .await
        .expect("retry");
    assert_eq!(retry.failures, 0);
    assert!(retry.last_success_ts.is_some());
}

#[tokio::test]
async fn a_restarted_sender_delivers_to_a_returning_server_once_and_in_order() {
    each_backend(|backend| async move {
        let mut home = tls_server(backend.clone()).await;
        let mut remote = tls_server(backend).await;
        let destination = [remote.server_name.clone()];
        remote.stop().await;
        for n in 1..=60 {
            home.federation_sender()
                .enqueue_pdu(&destination, &pdu(&home, n))
                .await;
        }
        // The first attempt fails and starts a backoff, kept in the database.
        let start = Instant::now();
        loop {
            let retry = home
                .database()
                .destination_retry(&remote.server_name)
                .await
                .expect("retry");
            if retry.failures >= 1 {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no attempt");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        home.restart().await;
        for n in 61..=70 {
            home.federation_sender()
                .enqueue_pdu(&destination, &pdu(&home, n))
                .await;
        }
        remote.resume().await;
        // The backoff is at most 2 s in tests.
        drained(&home, &remote.server_name, Duration::from_secs(20)).await;
        let transactions = received(&remote, &home).await;
        assert!(
            transactions.iter().all(|t| t.len() <= 50),
            "{transactions:?}"
        );
        let all: Vec<usize> = transactions.concat();
        assert_eq!(all, (1..=70).collect::<Vec<_>>(), "{transactions:?}");
    })
    .await;
}

#[tokio::test]
async fn a_hanging_server_does_not_delay_delivery_to_others() {
    let home = tls_server(Backend::Sqlite).await;
    let remote = tls_server(Backend::Sqlite).await;
    // Accepts connections and never answers (the harness's request timeout is 30 s).
    let hanging = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hanging_name = hanging.local_addr().expect("address").to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hanging.accept().await {
            held.push(socket);
        }
    });
    let start = Instant::now();
    for n in 1..=3 {
        home.federation_sender()
            .enqueue_pdu(
                &[hanging_name.clone(), remote.server_name.clone()],
                &pdu(&home, n),
            )
            .await;
    }
    drained(&home, &remote.server_name, Duration::from_secs(5)).await;
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(received(&remote, &home).await.concat(), [1, 2, 3]);
    assert!(home
        .database()
        .has_outgoing(&hanging_name)
        .await
        .expect("queue"));
}

#[tokio::test]
async fn inbound_transactions_are_deduplicated_and_checked() {
    let home = tls_server(Backend::Sqlite).await;
    let remote = tls_server(Backend::Sqlite).await;
    let path = "/_matrix/federation/v1/send/txn-1";
    let body = json!({"origin": home.server_name, "origin_server_ts": 1, "pdus": [pdu(&home, 1)]});
    let (status, first) = federation_request(&home, &remote, Method::PUT, path, Some(&body)).await;
    assert_eq!(status, 200, "{first}");
    let event_id = format!("$e1:{}", home.server_name);
    assert!(first["pdus"][&event_id]["error"].is_string(), "{first}");
    assert_eq!(
        first["pdus"].as_object().map(|p| p.len()),
        Some(1),
        "{first}"
    );
    // The same id again, even with other PDUs: the stored response, nothing processed.
    let other = json!({"origin": home.server_name, "origin_server_ts": 2, "pdus": [pdu(&home, 2)]});
    let (status, again) = federation_request(&home, &remote, Method::PUT, path, Some(&other)).await;
    assert_eq!((status, &again), (200, &first));

    // Concurrent duplicates: one is processed, both get its response.
    let path = "/_matrix/federation/v1/send/txn-2";
    let body = json!({"pdus": [pdu(&home, 3)], "edus": []});
    let (a, b) = tokio::join!(
        federation_request(&home, &remote, Method::PUT, path, Some(&body)),
        federation_request(&home, &remote, Method::PUT, path, Some(&body)),
    );
    assert_eq!(a.0, 200, "{}", a.1);
    assert_eq!(a, b);
    let stored: BTreeMap<String, String> = remote
        .database()
        .inbound_transactions(&home.server_name)
        .await
        .expect("inbound")
        .into_iter()
        .map(|t| (t.txn_id, t.response_json))
        .collect();
    assert_eq!(
        stored.keys().collect::<Vec<_>>(),
        ["txn-1", "txn-2"].iter().collect::<Vec<_>>()
    );

    let send = |txn: &'static str, body: Value| {
        let home = &home;
        let remote = &remote;
        async move {
            let path = format!("/_matrix/federation/v1/send/{txn}");
            federation_request(home, remote, Method::PUT, &path, Some(&body)).await
        }
    };
    let pdus: Vec<Value> = (10..61).map(|n| pdu(&home, n)).collect();
    let (status, body) = send("too-many", json!({"pdus": pdus})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_BAD_JSON"))
    );
    let edus = vec![json!({"edu_type": "m.presence", "content": {}}); 101];
    let (status, body) = send("too-many-edus", json!({"pdus": [], "edus": edus})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_BAD_JSON"))
    );
    let (status, body) = send("no-pdus", json!({"edus": []})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_BAD_JSON"))
    );
    let (status, body) = send("array", json!([1, 2])).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_BAD_JSON"))
    );
    let (status, body) = send("forged", json!({"origin": "evil.example", "pdus": []})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN"))
    );
    // None of the refused transactions was recorded.
    let count = remote
        .database()
        .inbound_transactions(&home.server_name)
        .await
        .expect("inbound")
        .len();
    assert_eq!(count, 2);

    // Not JSON (refused before authentication) and unsigned.
    let url = remote.url("/_matrix/federation/v1/send/raw");
    let response = client()
        .put(&url)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("body");
    assert_eq!(body["errcode"], "M_NOT_JSON");
    let response = client()
        .put(&url)
        .json(&json!({"pdus": []}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.expect("body");
    assert_eq!(body["errcode"], "M_UNAUTHORIZED");
}

#[tokio::test]
async fn a_backed_off_server_is_left_alone_until_it_contacts_us() {
    let mut home = tls_server(Backend::Sqlite).await;
    let mut remote = tls_server(Backend::Sqlite).await;
    let destination = [remote.server_name.clone()];
    remote.stop().await;
    home.stop().await;
    // A server that failed for a while: ten minutes to wait, kept across restarts.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    home.database()
        .set_destination_backoff(&remote.server_name, 8, now + 600_000)
        .await
        .expect("backoff");
    home.resume().await;
    remote.resume().await;
    for n in 1..=2 {
        home.federation_sender()
            .enqueue_pdu(&destination, &pdu(&home, n))
            .await;
    }
    // New items do not cut the backoff short.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(home
        .database()
        .has_outgoing(&remote.server_name)
        .await
        .expect("queue"));
    assert!(received(&remote, &home).await.is_empty());
    // The remote talks to us: it is up, so what we owe it goes now.
    let (status, body) = federation_request(
        &remote,
        &home,
        Method::PUT,
        "/_matrix/federation/v1/send/hello",
        Some(&json!({"pdus": []})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    drained(&home, &remote.server_name, Duration::from_secs(5)).await;
    assert_eq!(received(&remote, &home).await.concat(), [1, 2]);
}

#[tokio::test]
async fn events_of_a_shared_room_go_to_the_other_servers_members() {
    let registration = |backend| Options {
        tls: true,
        enable_registration: true,
        backend,
        ..Options::default()
    };
    let home = TestServer::start_with(registration(Backend::Sqlite)).await;
    let remote = TestServer::start_with(registration(Backend::Sqlite)).await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
    join_via(&remote, &bob, &room_id, &home.server_name).await;

    let event_id = send_message(&home, &alice, &room_id, "hello, remote").await;
    drained(&home, &remote.server_name, Duration::from_secs(10)).await;
    // The remote knows the room, so it keys its answer by the event id it computes itself.
    let transactions = remote
        .database()
        .inbound_transactions(&home.server_name)
        .await
        .expect("inbound");
    let keyed = transactions.iter().any(|t| {
        let response: Value = serde_json::from_str(&t.response_json).expect("response");
        response["pdus"].get(&event_id).is_some()
    });
    assert!(keyed, "{event_id} not in {transactions:?}");
    // Nothing is queued for ourselves.
    assert!(!home
        .database()
        .has_outgoing(&home.server_name)
        .await
        .expect("queue"));
}
