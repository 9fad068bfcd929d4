//! Bad input over federation, against a room two Concord servers share: PDUs with a forged
//! signature, a wrong content hash, an oversized body, or auth events nobody has are dropped,
//! redacted or rejected, each with its own answer in the transaction's response; the room's
//! state and timeline stay intact and the server keeps serving.

use reqwest::Method;
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::pdu::{sign_event, Pdu};
use state_res::room_version::RoomVersion;

use crate::harness::federation::federation_request;
use crate::harness::rooms::{call, create_room, encode, join_via, room_path, send_message};
use crate::harness::{federating, register, TestServer};

/// The ids the next event by `sender` needs: the room's latest event and the auth events.
async fn tip(
    home: &TestServer,
    token: &crate::harness::Session,
    room_id: &str,
    sender: &str,
) -> (String, Vec<String>, i64) {
    let (status, page) = call(
        home,
        token,
        Method::GET,
        &format!("{}?dir=b&limit=1", room_path(room_id, "messages")),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let latest = page["chunk"][0]["event_id"]
        .as_str()
        .expect("latest")
        .to_owned();
    let (status, state) = call(home, token, Method::GET, &room_path(room_id, "state"), None).await;
    assert_eq!(status, 200);
    let mut auth = Vec::new();
    for event in state.as_array().expect("state") {
        let key = (
            event["type"].as_str().unwrap_or_default(),
            event["state_key"].as_str().unwrap_or_default(),
        );
        if key == ("m.room.create", "")
            || key == ("m.room.power_levels", "")
            || key == ("m.room.member", sender)
        {
            auth.push(event["event_id"].as_str().expect("id").to_owned());
        }
    }
    (latest, auth, 1000)
}

/// A message PDU of `sender`, signed with `remote`'s key.
fn message(
    remote: &TestServer,
    room_id: &str,
    sender: &str,
    prev: &str,
    auth: &[String],
    body: &str,
) -> Object {
    let mut event = json!({
        "room_id": room_id,
        "type": "m.room.message",
        "sender": sender,
        "origin": remote.server_name,
        "origin_server_ts": now_ms(),
        "depth": 1000,
        "prev_events": [prev],
        "auth_events": auth,
        "content": {"msgtype": "m.text", "body": body},
    })
    .as_object()
    .cloned()
    .expect("object");
    let key = concord::signing_key::load(&remote.signing_key_path()).expect("key");
    sign_event(&mut event, &RoomVersion::V10, &remote.server_name, &key).expect("sign");
    event
}

/// The event ids of a `/state` answer, sorted.
fn ids(state: &Value) -> Vec<String> {
    let mut ids: Vec<String> = state
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock");
    i64::try_from(since.as_millis()).expect("ms")
}

fn event_id(event: &Object) -> String {
    Pdu::from_json(event.clone(), &RoomVersion::V10)
        .expect("pdu")
        .event_id()
        .to_owned()
}

#[tokio::test]
async fn bad_pdus_are_dropped_redacted_or_rejected_and_the_room_survives() {
    let home = federating().await;
    let remote = federating().await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(
        &home,
        &alice,
        json!({"preset": "public_chat", "room_version": "10"}),
    )
    .await;
    join_via(&remote, &bob, &room_id, &home.server_name).await;
    let (status, state_before) = call(
        &home,
        &alice,
        Method::GET,
        &room_path(&room_id, "state"),
        None,
    )
    .await;
    assert_eq!(status, 200);

    let (prev, auth, _) = tip(&home, &alice, &room_id, &bob.user_id).await;
    let good = message(&remote, &room_id, &bob.user_id, &prev, &auth, "a good one");

    // A forged signature: dropped.
    let mut forged = message(&remote, &room_id, &bob.user_id, &prev, &auth, "forged");
    forged["signatures"][&remote.server_name] = json!({"ed25519:a_1": "AAAA"});
    // Content changed after signing: the hash fails, the event is kept redacted.
    let mut tampered = message(
        &remote,
        &room_id,
        &bob.user_id,
        &prev,
        &auth,
        "original text",
    );
    tampered["content"]["body"] = json!("tampered text");
    // Over 64 KiB: dropped.
    let big = message(
        &remote,
        &room_id,
        &bob.user_id,
        &prev,
        &auth,
        &"x".repeat(70_000),
    );
    // Auth events nobody has: rejected.
    let ghost = vec![format!("${}", "A".repeat(43)), auth[0].clone()];
    let orphan = message(&remote, &room_id, &bob.user_id, &prev, &ghost, "no auth");

    let pdus: Vec<Value> = [&good, &forged, &tampered, &big, &orphan]
        .iter()
        .map(|e| Value::Object((*e).clone()))
        .collect();
    let body = json!({"origin": remote.server_name, "origin_server_ts": 1, "pdus": pdus});
    let (status, answer) = federation_request(
        &remote,
        &home,
        Method::PUT,
        "/_matrix/federation/v1/send/bad-1",
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let results = &answer["pdus"];
    assert_eq!(results[event_id(&good)], json!({}), "{answer}");
    assert!(results[event_id(&forged)]["error"].is_string(), "{answer}");
    assert!(results[event_id(&orphan)]["error"].is_string(), "{answer}");
    let big_id = state_res::pdu::event_id_for(&big, &RoomVersion::V10)
        .expect("hash")
        .expect("id");
    assert!(results[&big_id]["error"].is_string(), "{answer}");
    assert_eq!(
        results[event_id(&tampered)],
        json!({}),
        "a hash mismatch is redacted, not refused: {answer}"
    );

    // The good event is in the timeline; the tampered one only redacted; the others nowhere.
    let event_path = |id: &str| room_path(&room_id, &format!("event/{}", encode(id)));
    let (status, good_event) = call(
        &home,
        &alice,
        Method::GET,
        &event_path(&event_id(&good)),
        None,
    )
    .await;
    assert_eq!(
        (status, &good_event["content"]["body"]),
        (200, &json!("a good one"))
    );
    let (status, tampered_event) = call(
        &home,
        &alice,
        Method::GET,
        &event_path(&event_id(&tampered)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{tampered_event}");
    assert_eq!(tampered_event["content"], json!({}), "{tampered_event}");
    for dropped in [&forged, &orphan] {
        let (status, _) = call(
            &home,
            &alice,
            Method::GET,
            &event_path(&event_id(dropped)),
            None,
        )
        .await;
        assert_eq!(status, 404);
    }

    // Malformed bodies.
    let (status, answer) = federation_request(
        &remote,
        &home,
        Method::PUT,
        "/_matrix/federation/v1/send/bad-2",
        Some(&json!({"pdus": "no"})),
    )
    .await;
    assert_eq!(
        (status, &answer["errcode"]),
        (400, &json!("M_BAD_JSON")),
        "{answer}"
    );

    // The state did not move and the room still works both ways.
    let (_, state_after) = call(
        &home,
        &alice,
        Method::GET,
        &room_path(&room_id, "state"),
        None,
    )
    .await;
    assert_eq!(ids(&state_after), ids(&state_before));
    send_message(&home, &alice, &room_id, "still here").await;
}
