//! Ephemeral events (sytest `tests/30rooms/20typing`, `tests/30rooms/34receipts`,
//! `tests/30rooms/40read-markers`, `tests/40presence`): typing notices, receipts (public,
//! private, threaded), read markers, unread counts and presence, each seen through another
//! user's `/sync`. Every scenario runs on SQLite and PostgreSQL.

#[path = "s38_ephemeral/presence.rs"]
mod presence;
#[path = "s38_ephemeral/receipts.rs"]
mod receipts;
#[path = "s38_ephemeral/typing.rs"]
mod typing;

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode, membership, next_batch, room_path, sync};
use crate::harness::{register, Backend, Options, Session, TestServer};

/// A server with open registration, `alice` and `bob` joined to a room alice created.
async fn shared_room(backend: Backend) -> (TestServer, Session, Session, String) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
    let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
    assert_eq!(status, 200, "{body}");
    (server, alice, bob, room_id)
}

/// The room's ephemeral event of `event_type` in a sync response, if any.
fn ephemeral<'a>(body: &'a Value, room_id: &str, event_type: &str) -> Option<&'a Value> {
    body["rooms"]["join"][room_id]["ephemeral"]["events"]
        .as_array()?
        .iter()
        .find(|event| event["type"] == event_type)
}

/// `PUT /rooms/{roomId}/typing/{userId}` as `session`.
async fn set_typing(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    user_id: &str,
    body: Value,
) -> (u16, Value) {
    let path = room_path(room_id, &format!("typing/{}", encode(user_id)));
    call(server, session, Method::PUT, &path, Some(&body)).await
}

/// `POST /rooms/{roomId}/receipt/{type}/{eventId}` as `session`.
async fn receipt(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    receipt_type: &str,
    event_id: &str,
    body: Value,
) -> (u16, Value) {
    let path = room_path(
        room_id,
        &format!("receipt/{receipt_type}/{}", encode(event_id)),
    );
    call(server, session, Method::POST, &path, Some(&body)).await
}
