//! Typing notices and read receipts between two Concord servers over HTTPS: a local user's
//! typing state and public read receipts leave as `m.typing` and `m.receipt` EDUs for every
//! other server in the room; private receipts stay home.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::federation::{shared_room, SharedRoom};
use crate::harness::rooms::{call, encode, room_path};
use crate::harness::{Backend, Session, TestServer};

/// The `next_batch` of an initial `/sync` as `session`.
async fn sync_token(server: &TestServer, session: &Session) -> String {
    let (status, body) = call(
        server,
        session,
        Method::GET,
        "/_matrix/client/v3/sync",
        None,
    )
    .await;
    assert_eq!(status, 200, "sync: {body}");
    body["next_batch"].as_str().expect("next_batch").to_owned()
}

/// Long-polls `/sync` as `session` (at most `tries` polls of up to one second, from `since`
/// or an initial sync) until the room's `ephemeral` holds an event `matches` accepts; the
/// event.
async fn ephemeral_until(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    since: Option<String>,
    tries: usize,
    matches: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let mut since = since;
    for _ in 0..tries {
        let path = match &since {
            Some(token) => format!("/_matrix/client/v3/sync?timeout=1000&since={token}"),
            None => "/_matrix/client/v3/sync".to_owned(),
        };
        let (status, body) = call(server, session, Method::GET, &path, None).await;
        assert_eq!(status, 200, "sync: {body}");
        let events = &body["rooms"]["join"][room_id]["ephemeral"]["events"];
        if let Some(found) = events
            .as_array()
            .and_then(|e| e.iter().find(|e| matches(e)))
        {
            return Some(found.clone());
        }
        since = body["next_batch"].as_str().map(str::to_owned);
    }
    None
}

async fn set_typing(server: &TestServer, session: &Session, room_id: &str, typing: bool) {
    set_typing_for(server, session, room_id, typing, 30_000).await;
}

async fn set_typing_for(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    typing: bool,
    timeout_ms: u64,
) {
    let path = room_path(room_id, &format!("typing/{}", encode(&session.user_id)));
    let body = json!({"typing": typing, "timeout": timeout_ms});
    let (status, response) = call(server, session, Method::PUT, &path, Some(&body)).await;
    assert_eq!(status, 200, "typing: {response}");
}

async fn receipt(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    receipt_type: &str,
    event_id: &str,
    body: Value,
) {
    let path = room_path(
        room_id,
        &format!("receipt/{receipt_type}/{}", encode(event_id)),
    );
    let (status, response) = call(server, session, Method::POST, &path, Some(&body)).await;
    assert_eq!(status, 200, "receipt: {response}");
}

#[tokio::test]
async fn typing_and_read_receipts_reach_the_other_server() {
    let shared = shared_room(Backend::default()).await;
    let SharedRoom {
        home,
        remote,
        alice,
        bob,
        room_id,
    } = &shared;
    let first = shared.alice_says_and_bob_sees("read me").await;
    let alice_id = alice.user_id.clone();

    set_typing(home, alice, room_id, true).await;
    let typing = ephemeral_until(remote, bob, room_id, None, 30, |e| {
        e["type"] == "m.typing" && e["content"]["user_ids"] == json!([alice_id])
    })
    .await;
    assert!(typing.is_some(), "bob never saw alice typing");

    receipt(
        home,
        alice,
        room_id,
        "m.read",
        &first,
        json!({"thread_id": "main"}),
    )
    .await;
    let read = ephemeral_until(remote, bob, room_id, None, 30, |e| {
        e["type"] == "m.receipt" && e["content"][&first]["m.read"].get(&alice_id).is_some()
    })
    .await
    .expect("bob never saw alice's receipt");
    let data = &read["content"][&first]["m.read"][&alice_id];
    assert_eq!(data["thread_id"], json!("main"), "{read}");
    assert!(data["ts"].as_i64().is_some(), "{read}");

    // A private receipt stays home: the typing stop queued after it arrives without it.
    let second = shared.alice_says_and_bob_sees("private").await;
    let since = sync_token(remote, bob).await;
    receipt(home, alice, room_id, "m.read.private", &second, json!({})).await;
    set_typing(home, alice, room_id, false).await;
    let saw_private = std::cell::Cell::new(false);
    let stopped = ephemeral_until(remote, bob, room_id, Some(since), 30, |e| {
        if e["type"] == "m.receipt" && e["content"].get(&second).is_some() {
            saw_private.set(true);
        }
        e["type"] == "m.typing" && e["content"]["user_ids"] == json!([])
    })
    .await;
    assert!(stopped.is_some(), "bob never saw alice stop typing");
    assert!(
        !saw_private.get(),
        "alice's private receipt reached the other server"
    );

    // A notice that expires at home is announced as stopped (the other server would keep it
    // for its own 60 s otherwise).
    let since = sync_token(remote, bob).await;
    set_typing_for(home, alice, room_id, true, 1_000).await;
    let started = ephemeral_until(remote, bob, room_id, Some(since), 30, |e| {
        e["type"] == "m.typing" && e["content"]["user_ids"] == json!([alice_id])
    })
    .await;
    assert!(started.is_some(), "bob never saw alice type again");
    // An initial sync shows only non-empty typing sets: alice gone from it well within the
    // other server's own 60 s means the stop arrived.
    let mut still_typing = true;
    for _ in 0..40 {
        let (status, body) = call(remote, bob, Method::GET, "/_matrix/client/v3/sync", None).await;
        assert_eq!(status, 200, "{body}");
        let events = &body["rooms"]["join"][&room_id]["ephemeral"]["events"];
        still_typing = events.as_array().into_iter().flatten().any(|e| {
            e["type"] == "m.typing"
                && e["content"]["user_ids"]
                    .as_array()
                    .is_some_and(|users| users.contains(&json!(alice_id)))
        });
        if !still_typing {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(
        !still_typing,
        "alice's expired notice never stopped on the other server"
    );
}
