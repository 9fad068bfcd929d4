//! `PUT /send/{eventType}/{txnId}`, `GET /event/{eventId}`: transaction ids, visibility, the
//! forbidden cases, and concurrent senders.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;
use tokio::task::JoinSet;

use super::{alice_and_bob, errcode};
use crate::harness::rooms::{
    call, create_room, encode, membership, new_txn_id, room_path, send_message, send_with_txn,
};
use crate::harness::{each_backend, login};

#[tokio::test]
async fn sending_twice_with_one_transaction_id_sends_once() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let txn = new_txn_id();
        let (status, first) = send_with_txn(&server, &alice, &room_id, &txn, "once").await;
        assert_eq!(status, 200, "{first}");
        let (status, again) = send_with_txn(&server, &alice, &room_id, &txn, "once").await;
        assert_eq!(
            (status, &again),
            (200, &first),
            "a retry answers the same event"
        );
        let (_, other) = send_with_txn(&server, &alice, &room_id, &new_txn_id(), "twice").await;
        assert_ne!(other["event_id"], first["event_id"]);
        // Transaction ids are scoped to the device: another login sends a new event.
        let laptop = login(&server, "alice", "wonderland").await;
        let (_, from_laptop) = send_with_txn(&server, &laptop, &room_id, &txn, "once").await;
        assert_ne!(from_laptop["event_id"], first["event_id"]);

        let event_id = first["event_id"].as_str().expect("event id");
        let path = room_path(&room_id, &format!("event/{}", encode(event_id)));
        let (status, event) = call(&server, &alice, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{event}");
        assert_eq!(event["type"], "m.room.message");
        assert_eq!(event["room_id"], room_id.as_str());
        assert_eq!(event["sender"], alice.user_id.as_str());
        assert_eq!(
            event["content"],
            json!({"msgtype": "m.text", "body": "once"})
        );
        assert!(event["origin_server_ts"].as_i64().is_some_and(|ts| ts > 0));
        assert!(event.get("state_key").is_none(), "{event}");
        assert!(event["unsigned"]["age"]
            .as_i64()
            .is_some_and(|age| age >= 0));
        assert_eq!(event["unsigned"]["transaction_id"], txn.as_str());
        let (_, seen_elsewhere) = call(&server, &laptop, Method::GET, &path, None).await;
        assert!(
            seen_elsewhere["unsigned"].get("transaction_id").is_none(),
            "{seen_elsewhere}"
        );
    })
    .await;
}

#[tokio::test]
async fn non_members_cannot_send_or_read() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let event_id = send_message(&server, &alice, &room_id, "members only").await;
        let (status, body) = send_with_txn(&server, &bob, &room_id, &new_txn_id(), "hi").await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.contains("not joined")),
            "{body}"
        );
        for path in [
            room_path(&room_id, "state"),
            room_path(&room_id, "joined_members"),
        ] {
            let (status, body) = call(&server, &bob, Method::GET, &path, None).await;
            assert_eq!(
                (status, errcode(&body)),
                (403, Some("M_FORBIDDEN")),
                "{path}"
            );
        }
        let event_path = room_path(&room_id, &format!("event/{}", encode(&event_id)));
        let (status, body) = call(&server, &bob, Method::GET, &event_path, None).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        // Once joined, bob sees the history (`shared`).
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        let (status, _) = call(&server, &bob, Method::GET, &event_path, None).await;
        assert_eq!(status, 200);

        let unknown = format!("!nowhere:{}", server.server_name);
        let (status, body) = send_with_txn(&server, &alice, &unknown, &new_txn_id(), "x").await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
        let (status, body) = send_with_txn(&server, &alice, "not-a-room", &new_txn_id(), "x").await;
        assert_eq!((status, errcode(&body)), (400, Some("M_INVALID_PARAM")));
        let path = room_path(&room_id, "send/m.room.message/t1");
        let (status, body) = call(&server, &alice, Method::PUT, &path, Some(&json!([1]))).await;
        assert_eq!((status, errcode(&body)), (400, Some("M_NOT_JSON")));
        let (status, body) = call(
            &server,
            &alice,
            Method::GET,
            &room_path(&room_id, "event/$nope"),
            None,
        )
        .await;
        assert_eq!(
            (status, errcode(&body)),
            (404, Some("M_NOT_FOUND")),
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_sends_keep_the_room_dag_linear() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        membership(&server, &bob, &room_id, "join", json!({})).await;
        let server = Arc::new(server);
        let mut sends = JoinSet::new();
        for i in 0..16 {
            let sender = if i % 2 == 0 {
                alice.clone()
            } else {
                bob.clone()
            };
            let (server, room_id) = (Arc::clone(&server), room_id.clone());
            sends.spawn(async move {
                send_message(&server, &sender, &room_id, &format!("message {i}")).await
            });
        }
        let sent: Vec<String> = sends.join_all().await;
        let database = concord::storage::Database::connect(&server.config.database.url)
            .await
            .expect("database");
        let extremities = database
            .forward_extremities(&room_id)
            .await
            .expect("extremities");
        assert_eq!(extremities.len(), 1, "{extremities:?}");
        assert!(sent.contains(&extremities[0]));
        let ids: Vec<&str> = sent.iter().map(String::as_str).collect();
        let mut depths: Vec<i64> = database
            .events_by_ids(&ids)
            .await
            .expect("events")
            .iter()
            .map(|event| event.depth)
            .collect();
        depths.sort_unstable();
        depths.dedup();
        assert_eq!(
            depths.len(),
            16,
            "every message at its own depth: {depths:?}"
        );
        database.close().await;
    })
    .await;
}

/// Concurrent sends to one room are committed together (group commit); each request still gets
/// its own answer: racing retries of one transaction id one event, a non-member 403, the rest
/// their own events, and a retry after the burst the event its first attempt sent.
#[tokio::test]
async fn a_burst_of_sends_with_retries_and_a_refused_one_answers_each() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let carol = crate::harness::register(&server, "carol", "carpentry").await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        membership(&server, &bob, &room_id, "join", json!({})).await;
        let server = Arc::new(server);
        let retried = new_txn_id();
        let mut sends = JoinSet::new();
        for i in 0..24 {
            let (sender, txn, body) = match i % 4 {
                0 => (alice.clone(), retried.clone(), "retried".to_owned()),
                1 => (bob.clone(), new_txn_id(), format!("bob {i}")),
                2 => (alice.clone(), new_txn_id(), format!("alice {i}")),
                _ if i == 23 => (carol.clone(), new_txn_id(), "not a member".to_owned()),
                _ => (bob.clone(), new_txn_id(), format!("bob {i}")),
            };
            let (server, room_id) = (Arc::clone(&server), room_id.clone());
            sends.spawn(async move {
                let (status, body_out) =
                    send_with_txn(&server, &sender, &room_id, &txn, &body).await;
                (i, status, body_out)
            });
        }
        let mut answers = sends.join_all().await;
        answers.sort_by_key(|(i, _, _)| *i);
        let retried_ids: Vec<&str> = answers
            .iter()
            .filter(|(i, _, _)| i % 4 == 0)
            .map(|(_, status, body)| {
                assert_eq!(*status, 200, "{body}");
                body["event_id"].as_str().expect("event id")
            })
            .collect();
        assert!(
            retried_ids.iter().all(|id| *id == retried_ids[0]),
            "one event for one transaction id: {retried_ids:?}"
        );
        let (_, status, refused) = &answers[23];
        assert_eq!(*status, 403, "{refused}");
        assert_eq!(errcode(refused), Some("M_FORBIDDEN"));
        let mut sent: Vec<&str> = answers
            .iter()
            .filter(|(i, _, _)| i % 4 != 0 && *i != 23)
            .map(|(_, status, body)| {
                assert_eq!(*status, 200, "{body}");
                body["event_id"].as_str().expect("event id")
            })
            .collect();
        sent.push(retried_ids[0]);
        sent.sort_unstable();
        sent.dedup();
        assert_eq!(sent.len(), 18, "distinct events: {sent:?}");

        let (status, again) = send_with_txn(&server, &alice, &room_id, &retried, "retried").await;
        assert_eq!(
            (status, again["event_id"].as_str()),
            (200, Some(retried_ids[0]))
        );

        let path = room_path(&room_id, "messages?dir=b&limit=100");
        let (status, page) = call(&server, &alice, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let mut listed: Vec<&str> = page["chunk"]
            .as_array()
            .expect("chunk")
            .iter()
            .filter(|event| event["type"] == "m.room.message")
            .map(|event| event["event_id"].as_str().expect("event id"))
            .collect();
        assert_eq!(
            listed.len(),
            18,
            "each message once in the timeline: {page}"
        );
        listed.sort_unstable();
        assert_eq!(listed, sent);
    })
    .await;
}
