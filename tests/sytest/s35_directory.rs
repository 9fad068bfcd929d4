//! Room aliases and the room directory (sytest `tests/30rooms/05aliases`,
//! `06invite`… `/directory`, `tests/30rooms/07ban`… `publicRooms`): creating, resolving and
//! deleting aliases, canonical alias checks, joining by alias, `createRoom` with
//! `room_alias_name` and `visibility`, directory visibility and `/publicRooms`. Every scenario
//! runs on SQLite and PostgreSQL.

#[path = "s35_directory/aliases.rs"]
mod aliases;
#[path = "s35_directory/public_rooms.rs"]
mod public_rooms;

use reqwest::Method;
use serde_json::Value;

use crate::harness::rooms::{call, encode};
use crate::harness::{register, request, Backend, Options, Session, TestServer};

/// A server with open registration and the users `alice` and `bob`.
async fn alice_and_bob(backend: Backend) -> (TestServer, Session, Session) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    (server, alice, bob)
}

/// `#localpart:server`.
fn alias(server: &TestServer, localpart: &str) -> String {
    format!("#{localpart}:{}", server.server_name)
}

/// `/_matrix/client/v3/directory/room/{alias}`.
fn alias_path(alias: &str) -> String {
    format!("/_matrix/client/v3/directory/room/{}", encode(alias))
}

/// `PUT /directory/room/{alias}` as `session`.
async fn put_alias(
    server: &TestServer,
    session: &Session,
    alias: &str,
    room_id: &str,
) -> (u16, Value) {
    let body = serde_json::json!({ "room_id": room_id });
    call(
        server,
        session,
        Method::PUT,
        &alias_path(alias),
        Some(&body),
    )
    .await
}

/// `GET /directory/room/{alias}` without a token.
async fn get_alias(server: &TestServer, alias: &str) -> (u16, Value) {
    request(server, Method::GET, &alias_path(alias), None, None).await
}

/// The `errcode` of an error body.
fn errcode(body: &Value) -> Option<&str> {
    body["errcode"].as_str()
}
