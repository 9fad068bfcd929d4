//! Benchmark: inbound federation transactions on a linear room (issue #5's speed goal,
//! ≥ 2,000 PDUs/s). Two Concord servers run in this process over TLS on loopback (the test
//! harness's servers, SQLite); a user of the second joins a room of the first; then the second
//! server's key signs a chain of message PDUs, each on the previous one, sent to the first in
//! transactions of 50, one at a time as a federation sender does. Prints one JSON line.
//!
//! `cargo run --release --example federation_inbound [-- PDUS]`

use std::time::Instant;

use reqwest::Method;
use serde_json::{json, Value};
use state_res::pdu::{sign_event, Pdu};
use state_res::room_version::RoomVersion;

#[allow(dead_code, unused_imports)]
#[path = "../tests/sytest/harness.rs"]
mod harness;

use harness::federation::federation_request;
use harness::rooms::{call, create_room, encode, room_path};
use harness::{federating, register};

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
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
    let path = format!(
        "/_matrix/client/v3/join/{}?server_name={}",
        encode(&room_id),
        encode(&home.server_name)
    );
    let (status, body) = call(&remote, &bob, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "join: {body}");

    // The room's tip and bob's auth events, as the home server has them.
    let (_, page) = call(
        &home,
        &alice,
        Method::GET,
        &format!("{}?dir=b&limit=1", room_path(&room_id, "messages")),
        None,
    )
    .await;
    let mut prev = page["chunk"][0]["event_id"]
        .as_str()
        .expect("tip")
        .to_owned();
    let mut depth = 100;
    let (_, state) = call(
        &home,
        &alice,
        Method::GET,
        &room_path(&room_id, "state"),
        None,
    )
    .await;
    let auth: Vec<String> = state
        .as_array()
        .expect("state")
        .iter()
        .filter(|e| {
            let key = (
                e["type"].as_str().unwrap_or_default(),
                e["state_key"].as_str().unwrap_or_default(),
            );
            key == ("m.room.create", "")
                || key == ("m.room.power_levels", "")
                || key == ("m.room.member", bob.user_id.as_str())
        })
        .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
        .collect();

    let key = concord::signing_key::load(&remote.signing_key_path()).expect("key");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let mut pdus = Vec::with_capacity(total);
    for n in 0..total {
        depth += 1;
        let mut event = json!({
            "room_id": room_id, "type": "m.room.message", "sender": bob.user_id,
            "origin": remote.server_name, "origin_server_ts": now + n as i64, "depth": depth,
            "prev_events": [prev], "auth_events": auth,
            "content": {"msgtype": "m.text", "body": format!("message {n}")},
        })
        .as_object()
        .cloned()
        .expect("object");
        sign_event(&mut event, &RoomVersion::V10, &remote.server_name, &key).expect("sign");
        prev = Pdu::from_json(event.clone(), &RoomVersion::V10)
            .expect("pdu")
            .event_id()
            .to_owned();
        pdus.push(Value::Object(event));
    }

    let started = Instant::now();
    let mut accepted = 0;
    for (index, batch) in pdus.chunks(50).enumerate() {
        let body = json!({"origin": remote.server_name, "origin_server_ts": now, "pdus": batch});
        let path = format!("/_matrix/federation/v1/send/bench-{index}");
        let (status, answer) =
            federation_request(&remote, &home, Method::PUT, &path, Some(&body)).await;
        assert_eq!(status, 200, "{answer}");
        let results = answer["pdus"].as_object().expect("results");
        accepted += results
            .values()
            .filter(|r| r.as_object().is_some_and(|o| o.is_empty()))
            .count();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "scenario": "federation_inbound_linear",
            "pdus": total,
            "accepted": accepted,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "pdus_per_second": (total as f64 / seconds).round(),
        })
    );
}
