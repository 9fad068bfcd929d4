//! End-to-end keys across two Concord servers over HTTPS (server-server § "End-to-End
//! Encryption", § "Device Management"): a client's `/keys/query` and `/keys/claim` for a
//! remote user go to the user's server, an unreachable server is a `failures` entry, the
//! server answers `/user/devices`, cross-signing keys are served, and a remote user's key upload reaches a local user's
//! `device_lists.changed` through `m.device_list_update`. SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::federation::federation_request;
use crate::harness::federation::{shared_room, SharedRoom};
use crate::harness::rooms::{call, encode};
use crate::harness::{each_backend, Session, TestServer};
use crate::s40_e2e_keys::cross_signing::upload_cross_signing;

/// Signed-looking device keys for `session`'s device.
fn device_keys(session: &Session, tag: &str) -> Value {
    let device = &session.device_id;
    json!({
        "user_id": session.user_id,
        "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2"],
        "keys": {format!("curve25519:{device}"): format!("curve-{tag}")},
        "signatures": {session.user_id.clone(): {format!("ed25519:{device}"): "sig"}},
    })
}

async fn post(server: &TestServer, session: &Session, path: &str, body: Value) -> Value {
    let (status, answer) = call(server, session, Method::POST, path, Some(&body)).await;
    assert_eq!(status, 200, "{path}: {answer}");
    answer
}

/// `device_lists.changed` of `session`'s syncs from `since` until it lists `user_id` (at most
/// `tries` long-polls of a second).
async fn changed_until(
    server: &TestServer,
    session: &Session,
    since: String,
    user_id: &str,
    tries: usize,
) -> bool {
    let mut since = since;
    for _ in 0..tries {
        let path = format!(
            "/_matrix/client/v3/sync?timeout=1000&since={}",
            encode(&since)
        );
        let (status, body) = call(server, session, Method::GET, &path, None).await;
        assert_eq!(status, 200, "sync: {body}");
        let changed = body["device_lists"]["changed"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if changed.iter().any(|u| u == user_id) {
            return true;
        }
        since = body["next_batch"].as_str().expect("next_batch").to_owned();
    }
    false
}

#[tokio::test]
async fn remote_keys_are_queried_and_claimed_over_federation() {
    each_backend(|backend| async move {
        let shared = shared_room(backend).await;
        let SharedRoom {
            home,
            remote,
            alice,
            bob,
            ..
        } = &shared;
        shared.alice_says_and_bob_sees("hello").await;

        let upload = json!({
            "device_keys": device_keys(alice, "one"),
            "one_time_keys": {"signed_curve25519:AAAA": {"key": "otk"}},
        });
        post(home, alice, "/_matrix/client/v3/keys/upload", upload).await;

        // Bob asks his server; it asks alice's. An unreachable server is a failure entry.
        let query = json!({
            "device_keys": {alice.user_id.clone(): [], "@nobody:unreachable.invalid": []},
            "timeout": 5000,
        });
        let answer = post(remote, bob, "/_matrix/client/v3/keys/query", query).await;
        let keys = &answer["device_keys"][&alice.user_id][&alice.device_id];
        assert_eq!(keys["keys"], device_keys(alice, "one")["keys"], "{answer}");
        assert!(answer["failures"]["unreachable.invalid"].is_object(), "{answer}");

        // Cross-signing keys travel too (the user-signing key stays home).
        let (status, body) = upload_cross_signing(home, alice, 10, None).await;
        assert_eq!(status, 200, "{body}");
        let query = json!({"device_keys": {alice.user_id.clone(): []}});
        let answer = post(remote, bob, "/_matrix/client/v3/keys/query", query).await;
        assert_eq!(answer["master_keys"][&alice.user_id]["usage"], json!(["master"]), "{answer}");
        assert_eq!(answer["self_signing_keys"][&alice.user_id]["usage"], json!(["self_signing"]));
        assert!(answer.get("user_signing_keys").is_none(), "{answer}");

        let claim = json!({"one_time_keys": {alice.user_id.clone(): {alice.device_id.clone(): "signed_curve25519"}}});
        let answer = post(remote, bob, "/_matrix/client/v3/keys/claim", claim.clone()).await;
        assert_eq!(
            answer["one_time_keys"][&alice.user_id][&alice.device_id],
            json!({"signed_curve25519:AAAA": {"key": "otk"}}),
            "{answer}"
        );
        let answer = post(remote, bob, "/_matrix/client/v3/keys/claim", claim).await;
        assert_eq!(answer["one_time_keys"], json!({}), "{answer}");

        // The device list as another server reads it.
        let path = format!("/_matrix/federation/v1/user/devices/{}", encode(&alice.user_id));
        let (status, devices) = federation_request(remote, home, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{devices}");
        assert_eq!(devices["user_id"], json!(alice.user_id));
        assert!(devices["stream_id"].as_i64().is_some_and(|id| id > 0), "{devices}");
        let listed = devices["devices"].as_array().cloned().unwrap_or_default();
        let device = listed.iter().find(|d| d["device_id"] == json!(alice.device_id));
        assert_eq!(device.map(|d| d["keys"].clone()), Some(device_keys(alice, "one")), "{devices}");

        // Alice's new keys reach bob's device_lists through an m.device_list_update EDU.
        let (status, body) = call(remote, bob, Method::GET, "/_matrix/client/v3/sync", None).await;
        assert_eq!(status, 200);
        let since = body["next_batch"].as_str().expect("next_batch").to_owned();
        let upload = json!({"device_keys": device_keys(alice, "two")});
        post(home, alice, "/_matrix/client/v3/keys/upload", upload).await;
        assert!(
            changed_until(remote, bob, since, &alice.user_id, 30).await,
            "bob never saw alice's device list change"
        );
        let query = json!({"device_keys": {alice.user_id.clone(): []}});
        let answer = post(remote, bob, "/_matrix/client/v3/keys/query", query).await;
        let keys = &answer["device_keys"][&alice.user_id][&alice.device_id];
        assert_eq!(keys["keys"], device_keys(alice, "two")["keys"], "{answer}");
    })
    .await;
}
