//! Syncing (sytest `tests/31sync`): initial and incremental syncs, long-polls woken by a send,
//! invites, leaves, limited timelines, filters, tokens across a restart, and the error cases.
//! Every scenario runs on SQLite and PostgreSQL.

#[path = "s31_sync/filters.rs"]
mod filters;
#[path = "s31_sync/incremental.rs"]
mod incremental;
#[path = "s31_sync/initial.rs"]
mod initial;
#[path = "s31_sync/membership.rs"]
mod membership;

use reqwest::Method;
use serde_json::Value;

use crate::harness::rooms::{call, encode};
use crate::harness::{register, Backend, Options, Session, TestServer};

/// A server with open registration and the users `alice` and `bob`.
async fn alice_and_bob(backend: Backend) -> (TestServer, Session, Session) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    (server, alice, bob)
}

/// `GET /sync?{query}` as `session`: the status and body.
async fn sync_raw(server: &TestServer, session: &Session, query: &str) -> (u16, Value) {
    let path = format!("/_matrix/client/v3/sync?{query}");
    call(server, session, Method::GET, &path, None).await
}

/// `GET /sync` with `since` (if any) and `timeout=0`; panics unless it succeeds.
async fn sync(server: &TestServer, session: &Session, since: Option<&str>) -> Value {
    let query = match since {
        Some(since) => format!("timeout=0&since={}", encode(since)),
        None => "timeout=0".to_owned(),
    };
    let (status, body) = sync_raw(server, session, &query).await;
    assert_eq!(status, 200, "sync: {body}");
    assert!(body["next_batch"].is_string(), "{body}");
    body
}

/// The `next_batch` of a sync response.
fn next_batch(body: &Value) -> String {
    body["next_batch"].as_str().expect("next_batch").to_owned()
}

/// The types of a list of events.
fn types(events: &Value) -> Vec<String> {
    events
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["type"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `content.body` of the message events of a list.
fn bodies(events: &Value) -> Vec<String> {
    events
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter(|e| e["type"] == "m.room.message")
                .filter_map(|e| e["content"]["body"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `errcode` of an error body.
fn errcode(body: &Value) -> Option<&str> {
    body["errcode"].as_str()
}
