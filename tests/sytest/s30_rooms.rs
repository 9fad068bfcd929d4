//! Rooms (sytest `tests/30rooms`): creation with presets, versions and initial state; sending
//! messages with transaction ids; setting and reading state; membership between two users; the
//! forbidden cases. Every scenario runs on SQLite and PostgreSQL.

#[path = "s30_rooms/create.rs"]
mod create;
#[path = "s30_rooms/members.rs"]
mod members;
#[path = "s30_rooms/messages.rs"]
mod messages;
#[path = "s30_rooms/state.rs"]
mod state;

use crate::harness::{register, Backend, Options, Session, TestServer};

/// A server with open registration and the users `alice` and `bob`.
async fn alice_and_bob(backend: Backend) -> (TestServer, Session, Session) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    (server, alice, bob)
}

/// The `errcode` of an error body.
fn errcode(body: &serde_json::Value) -> Option<&str> {
    body["errcode"].as_str()
}
