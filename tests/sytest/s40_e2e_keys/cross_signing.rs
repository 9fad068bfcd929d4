//! Cross-signing: uploading master, self-signing and user-signing keys (user-interactive auth
//! once a master key exists), serving them in `/keys/query`, and signatures of one's own
//! device by the self-signing key and of another user's master key by the user-signing key.

use reqwest::Method;
use serde_json::{json, Value};
use state_res::canonical_json::canonical_object_excluding;
use state_res::signing::KeyPair;

use super::{query, server_with, upload};
use crate::harness::rooms::call;
use crate::harness::{each_backend, password_auth, register, Session, TestServer};

/// An ed25519 key from a fixed seed, and its public key.
fn key(seed: u8) -> (KeyPair, String) {
    let pair = KeyPair::from_seed("ed25519:k", [seed; 32]).expect("key");
    let public = pair.public_key_base64();
    (pair, public)
}

/// Adds `entity`'s signature with `key` under `key_id`.
fn sign(object: &mut Value, entity: &str, key_id: &str, key: &KeyPair) {
    let map = object.as_object().expect("object");
    let text = canonical_object_excluding(map, &["signatures", "unsigned"]).expect("canonical");
    let signature = key.sign_bytes(text.as_bytes());
    object["signatures"][entity][key_id] = json!(signature);
}

/// A cross-signing key of `usage` for `user_id`.
fn cross_key(user_id: &str, usage: &str, public: &str) -> Value {
    json!({"user_id": user_id, "usage": [usage], "keys": {format!("ed25519:{public}"): public}})
}

/// Uploads the three cross-signing keys of `session` made from `seed`s.
pub(crate) async fn upload_cross_signing(
    server: &TestServer,
    session: &Session,
    seed: u8,
    auth: Option<Value>,
) -> (u16, Value) {
    let user = &session.user_id;
    let (master, master_public) = key(seed);
    let master_id = format!("ed25519:{master_public}");
    let (_, self_public) = key(seed + 1);
    let (_, user_public) = key(seed + 2);
    let mut self_signing = cross_key(user, "self_signing", &self_public);
    sign(&mut self_signing, user, &master_id, &master);
    let mut user_signing = cross_key(user, "user_signing", &user_public);
    sign(&mut user_signing, user, &master_id, &master);
    let mut body = json!({
        "master_key": cross_key(user, "master", &master_public),
        "self_signing_key": self_signing,
        "user_signing_key": user_signing,
    });
    if let Some(auth) = auth {
        body["auth"] = auth;
    }
    let path = "/_matrix/client/v3/keys/device_signing/upload";
    call(server, session, Method::POST, path, Some(&body)).await
}

async fn upload_signatures(server: &TestServer, session: &Session, body: Value) -> Value {
    let path = "/_matrix/client/v3/keys/signatures/upload";
    let (status, answer) = call(server, session, Method::POST, path, Some(&body)).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

#[tokio::test]
async fn cross_signing_keys_and_signatures_are_checked_stored_and_served() {
    each_backend(|backend| async move {
        let server = server_with(backend).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let (device_key, device_public) = key(1);
        let device_key_id = format!("ed25519:{}", alice.device_id);
        let mut keys = json!({
            "user_id": alice.user_id, "device_id": alice.device_id,
            "algorithms": ["m.olm.v1.curve25519-aes-sha2"],
            "keys": {device_key_id.clone(): device_public},
        });
        sign(&mut keys, &alice.user_id, &device_key_id, &device_key);
        let (status, _) = upload(&server, &alice, json!({"device_keys": keys})).await;
        assert_eq!(status, 200);

        // A self-signing key not signed by the master key is refused.
        let (_, master_public) = key(10);
        let (_, other_public) = key(11);
        let body = json!({
            "master_key": cross_key(&alice.user_id, "master", &master_public),
            "self_signing_key": cross_key(&alice.user_id, "self_signing", &other_public),
        });
        let path = "/_matrix/client/v3/keys/device_signing/upload";
        let (status, answer) = call(&server, &alice, Method::POST, path, Some(&body)).await;
        assert_eq!(
            (status, answer["errcode"].clone()),
            (400, json!("M_INVALID_SIGNATURE"))
        );

        // The first upload needs no UIA; replacing the keys does.
        let (status, answer) = upload_cross_signing(&server, &alice, 10, None).await;
        assert_eq!(status, 200, "{answer}");
        let (status, answer) = upload_cross_signing(&server, &alice, 10, None).await;
        assert_eq!(status, 401, "{answer}");
        let session = answer["session"].as_str().map(str::to_owned);
        let auth = password_auth(&alice.user_id, "wonderland", session.as_deref());
        let (status, answer) = upload_cross_signing(&server, &alice, 10, Some(auth)).await;
        assert_eq!(status, 200, "{answer}");

        // Others see the master and self-signing keys; only alice her user-signing key.
        let wanted = json!({"device_keys": {alice.user_id.clone(): []}});
        let seen_by_bob = query(&server, &bob, wanted.clone()).await;
        assert_eq!(
            seen_by_bob["master_keys"][&alice.user_id]["usage"],
            json!(["master"])
        );
        assert_eq!(
            seen_by_bob["self_signing_keys"][&alice.user_id]["usage"],
            json!(["self_signing"])
        );
        assert!(
            seen_by_bob.get("user_signing_keys").is_none(),
            "{seen_by_bob}"
        );
        let seen_by_alice = query(&server, &alice, wanted.clone()).await;
        assert_eq!(
            seen_by_alice["user_signing_keys"][&alice.user_id]["usage"],
            json!(["user_signing"])
        );

        // Alice signs her device with the self-signing key.
        let (self_signing, self_public) = key(11);
        let mut device = seen_by_alice["device_keys"][&alice.user_id][&alice.device_id].clone();
        device.as_object_mut().expect("device").remove("unsigned");
        let self_id = format!("ed25519:{self_public}");
        sign(&mut device, &alice.user_id, &self_id, &self_signing);
        let answer = upload_signatures(
            &server,
            &alice,
            json!({alice.user_id.clone(): {alice.device_id.clone(): device}}),
        )
        .await;
        assert_eq!(answer["failures"], json!({}), "{answer}");
        let seen = query(&server, &bob, wanted.clone()).await;
        let signatures =
            &seen["device_keys"][&alice.user_id][&alice.device_id]["signatures"][&alice.user_id];
        assert!(signatures.get(&self_id).is_some(), "{seen}");
        assert!(signatures.get(&device_key_id).is_some(), "{seen}");

        // A signature by a key that is not alice's self-signing key fails.
        let (stranger, _) = key(40);
        let mut forged = seen["device_keys"][&alice.user_id][&alice.device_id].clone();
        forged.as_object_mut().expect("device").remove("unsigned");
        forged.as_object_mut().expect("device").remove("signatures");
        sign(&mut forged, &alice.user_id, &self_id, &stranger);
        let answer = upload_signatures(
            &server,
            &alice,
            json!({alice.user_id.clone(): {alice.device_id.clone(): forged}}),
        )
        .await;
        assert_eq!(
            answer["failures"][&alice.user_id][&alice.device_id]["errcode"], "M_INVALID_SIGNATURE",
            "{answer}"
        );

        // Bob signs alice's master key with his user-signing key: bob sees it, alice not.
        let (status, _) = upload_cross_signing(&server, &bob, 20, None).await;
        assert_eq!(status, 200);
        let (bob_user_signing, bob_user_public) = key(22);
        let bob_id = format!("ed25519:{bob_user_public}");
        let mut master = seen_by_bob["master_keys"][&alice.user_id].clone();
        sign(&mut master, &bob.user_id, &bob_id, &bob_user_signing);
        let answer = upload_signatures(
            &server,
            &bob,
            json!({alice.user_id.clone(): {master_public.clone(): master}}),
        )
        .await;
        assert_eq!(answer["failures"], json!({}), "{answer}");
        let seen = query(&server, &bob, wanted.clone()).await;
        assert!(
            seen["master_keys"][&alice.user_id]["signatures"][&bob.user_id]
                .get(&bob_id)
                .is_some(),
            "{seen}"
        );
        let seen = query(&server, &alice, wanted).await;
        assert!(
            seen["master_keys"][&alice.user_id]["signatures"]
                .get(&bob.user_id)
                .is_none(),
            "{seen}"
        );
    })
    .await;
}
