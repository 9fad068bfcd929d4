//! Room helpers for the scenarios: paths with percent-encoded ids, and the usual requests
//! (create a room, send a message, set and read state, membership changes) as a `Session`.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde_json::{json, Value};

use super::{request, Session, TestServer};

/// Percent-encodes a path segment (room ids carry `:`, v3 event ids `+` and `/`).
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/_matrix/client/v3/rooms/{room_id}/{rest}`.
pub fn room_path(room_id: &str, rest: &str) -> String {
    format!("/_matrix/client/v3/rooms/{}/{rest}", encode(room_id))
}

/// `method` `path` with `body`, as `session`.
pub async fn call(
    server: &TestServer,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    request(server, method, path, Some(&session.access_token), body).await
}

/// `POST /join/{roomId}?server_name={via}`.
pub fn join_path(room_id: &str, via: &str) -> String {
    format!(
        "/_matrix/client/v3/join/{}?server_name={}",
        encode(room_id),
        encode(via)
    )
}

/// `session` joins `room_id` through the server `via` (over federation when the room lives
/// there); panics unless the join succeeds.
pub async fn join_via(server: &TestServer, session: &Session, room_id: &str, via: &str) {
    let path = join_path(room_id, via);
    let (status, body) = call(server, session, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "joining {room_id} via {via}: {body}");
}

/// `POST /createRoom` with `body`; panics unless it succeeds, returns the room id.
pub async fn create_room(server: &TestServer, session: &Session, body: Value) -> String {
    let (status, response) = call(
        server,
        session,
        Method::POST,
        "/_matrix/client/v3/createRoom",
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "createRoom {body}: {response}");
    response["room_id"]
        .as_str()
        .unwrap_or_else(|| panic!("room_id in {response}"))
        .to_owned()
}

/// A transaction id not used before in this test process.
pub fn new_txn_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("txn{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Sends an `m.room.message` with `body` under `txn_id`: the status and response.
pub async fn send_with_txn(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    txn_id: &str,
    body: &str,
) -> (u16, Value) {
    let path = room_path(room_id, &format!("send/m.room.message/{}", encode(txn_id)));
    let content = json!({"msgtype": "m.text", "body": body});
    call(server, session, Method::PUT, &path, Some(&content)).await
}

/// Sends an `m.room.message`; panics unless it succeeds, returns the event id.
pub async fn send_message(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    body: &str,
) -> String {
    let (status, response) = send_with_txn(server, session, room_id, &new_txn_id(), body).await;
    assert_eq!(status, 200, "send: {response}");
    response["event_id"]
        .as_str()
        .unwrap_or_else(|| panic!("event_id in {response}"))
        .to_owned()
}

/// `PUT /rooms/{roomId}/state/{eventType}/{stateKey}`: the status and response.
pub async fn put_state(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    event_type: &str,
    state_key: &str,
    content: Value,
) -> (u16, Value) {
    let path = room_path(
        room_id,
        &format!("state/{}/{}", encode(event_type), encode(state_key)),
    );
    call(server, session, Method::PUT, &path, Some(&content)).await
}

/// `GET /rooms/{roomId}/state/{eventType}/{stateKey}` (content format): status and body.
pub async fn get_state(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    event_type: &str,
    state_key: &str,
) -> (u16, Value) {
    let path = room_path(
        room_id,
        &format!("state/{}/{}", encode(event_type), encode(state_key)),
    );
    call(server, session, Method::GET, &path, None).await
}

/// `POST /rooms/{roomId}/{action}` (`join`, `leave`, `invite`, `kick`, `ban`, `unban`) with
/// `body`: the status and response.
pub async fn membership(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    action: &str,
    body: Value,
) -> (u16, Value) {
    let path = room_path(room_id, action);
    call(server, session, Method::POST, &path, Some(&body)).await
}

/// `session`'s membership of the room as `reader` sees it (`None` if there is no member event).
pub async fn membership_of(
    server: &TestServer,
    reader: &Session,
    room_id: &str,
    user_id: &str,
) -> Option<String> {
    let (status, content) = get_state(server, reader, room_id, "m.room.member", user_id).await;
    (status == 200).then(|| {
        content["membership"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    })
}

/// `GET /joined_rooms` as `session`.
pub async fn joined_rooms(server: &TestServer, session: &Session) -> Vec<String> {
    let (status, body) = call(
        server,
        session,
        Method::GET,
        "/_matrix/client/v3/joined_rooms",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body["joined_rooms"].clone()).unwrap_or_default()
}

/// Long-polls `/sync` as `session` until the timeline of `room_id` holds an event `matches`
/// accepts (at most `tries` polls of up to one second); the event, or `None`.
pub async fn sync_until(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    tries: usize,
    matches: impl Fn(&Value) -> bool,
) -> Option<Value> {
    sync_until_found(server, session, tries, |body| {
        let timeline = &body["rooms"]["join"][room_id]["timeline"]["events"];
        timeline
            .as_array()
            .and_then(|e| e.iter().find(|e| matches(e)))
            .cloned()
    })
    .await
}

/// Long-polls `/sync` as `session` (an initial sync, then at most `tries - 1` polls of up to
/// one second) until `found` picks something out of a response; what it picked, or `None`.
pub async fn sync_until_found(
    server: &TestServer,
    session: &Session,
    tries: usize,
    found: impl Fn(&Value) -> Option<Value>,
) -> Option<Value> {
    let mut since: Option<String> = None;
    for _ in 0..tries {
        let body = sync(server, session, since.as_deref(), 1000).await;
        if let Some(value) = found(&body) {
            return Some(value);
        }
        since = body["next_batch"].as_str().map(str::to_owned);
    }
    None
}

/// `GET /sync` with `since` (if any; without it, `timeout` is ignored by the server) and
/// `timeout`; panics unless it succeeds.
pub async fn sync(
    server: &TestServer,
    session: &Session,
    since: Option<&str>,
    timeout: u64,
) -> Value {
    let mut path = format!("/_matrix/client/v3/sync?timeout={timeout}");
    if let Some(since) = since {
        path.push_str(&format!("&since={}", encode(since)));
    }
    let (status, body) = call(server, session, Method::GET, &path, None).await;
    assert_eq!(status, 200, "sync: {body}");
    body
}

/// The `next_batch` of a sync response.
pub fn next_batch(body: &Value) -> String {
    body["next_batch"].as_str().expect("next_batch").to_owned()
}
