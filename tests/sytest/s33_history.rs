//! Room history (sytest `tests/30rooms/…` pagination, context, members, redactions, forget):
//! `/messages` in both directions with tokens, filters and lazy-loaded members; `/context`;
//! history visibility in all four settings; `/members` with `at`, `membership` and
//! `not_membership`; redactions applied wherever events are served; forgetting rooms. Every
//! scenario runs on SQLite and PostgreSQL.

#[path = "s33_history/context.rs"]
mod context;
#[path = "s33_history/forget.rs"]
mod forget;
#[path = "s33_history/members.rs"]
mod members;
#[path = "s33_history/messages.rs"]
mod messages;
#[path = "s33_history/redaction.rs"]
mod redaction;
#[path = "s33_history/visibility.rs"]
mod visibility;

use reqwest::Method;
use serde_json::Value;

use crate::harness::rooms::{call, encode, room_path};
use crate::harness::{register, Backend, Options, Session, TestServer};

/// A server with open registration and the users `alice` and `bob`.
async fn alice_and_bob(backend: Backend) -> (TestServer, Session, Session) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    (server, alice, bob)
}

/// The `errcode` of an error body.
fn errcode(body: &Value) -> Option<&str> {
    body["errcode"].as_str()
}

/// `GET /rooms/{roomId}/messages?{query}` (query already encoded): status and body.
async fn messages(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    query: &str,
) -> (u16, Value) {
    let path = room_path(room_id, &format!("messages?{query}"));
    call(server, session, Method::GET, &path, None).await
}

/// `GET /rooms/{roomId}/event/{eventId}`: status and body.
async fn get_event(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    event_id: &str,
) -> (u16, Value) {
    let path = room_path(room_id, &format!("event/{}", encode(event_id)));
    call(server, session, Method::GET, &path, None).await
}

/// The `content.body` of the `m.room.message` events of a chunk, in order.
fn bodies(chunk: &Value) -> Vec<String> {
    chunk
        .as_array()
        .expect("chunk is an array")
        .iter()
        .filter(|event| event["type"] == "m.room.message")
        .map(|event| event["content"]["body"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Percent-encodes a query parameter value.
fn query_value(value: &str) -> String {
    encode(value)
}
