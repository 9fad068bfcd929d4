//! Server-server requests as a test: `federation_request` signs a request with one running
//! server's key (X-Matrix) and sends it to another over TLS, so the receiver authenticates it
//! for real by fetching the sender's key from the running sender.

use federation::x_matrix::{SignedRequest, XMatrix};
use reqwest::Method;
use serde_json::{json, Value};

use super::rooms::{create_room, join_via, send_message, sync_until};
use super::{client, federating_on, register, Backend, Session, TestServer};

/// Sends `method path` with `body` from `from` to `to`, signed as `from`; the status and the
/// JSON body (`Null` if none).
pub async fn federation_request(
    from: &TestServer,
    to: &TestServer,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let key = concord::signing_key::load(&from.signing_key_path()).expect("signing key");
    let header = XMatrix::sign(
        &key,
        &SignedRequest {
            method: method.as_str(),
            uri: path,
            origin: &from.server_name,
            destination: &to.server_name,
            content: body,
        },
    )
    .expect("sign")
    .to_header();
    let mut request = client()
        .request(method, to.url(path))
        .header("Authorization", header);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("federation request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Two federating servers on `backend`: alice (on `home`) created a public room that bob (on
/// `remote`) joined over federation.
pub struct SharedRoom {
    /// The room's server.
    pub home: TestServer,
    /// The joining server.
    pub remote: TestServer,
    /// The creator, on `home`.
    pub alice: Session,
    /// The remote member, on `remote`.
    pub bob: Session,
    /// The room.
    pub room_id: String,
}

/// Starts the two servers of a [`SharedRoom`] and makes bob join alice's room.
pub async fn shared_room(backend: Backend) -> SharedRoom {
    let home = federating_on(backend.clone()).await;
    let remote = federating_on(backend).await;
    let alice = register(&home, "alice", "secret-alice").await;
    let bob = register(&remote, "bob", "secret-bob").await;
    let room_id = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
    join_via(&remote, &bob, &room_id, &home.server_name).await;
    SharedRoom {
        home,
        remote,
        alice,
        bob,
        room_id,
    }
}

impl SharedRoom {
    /// Alice sends `body`; waits (30 syncs at most) until bob's server shows it to him, so the
    /// room is known to federate; the event id.
    pub async fn alice_says_and_bob_sees(&self, body: &str) -> String {
        let event_id = send_message(&self.home, &self.alice, &self.room_id, body).await;
        let seen = sync_until(&self.remote, &self.bob, &self.room_id, 30, |e| {
            e["event_id"] == event_id
        })
        .await;
        assert!(seen.is_some(), "bob never saw {body:?}");
        event_id
    }
}
