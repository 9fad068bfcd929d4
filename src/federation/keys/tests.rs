use federation::server_keys::server_keys_document;
use serde_json::json;

use super::*;

fn key(seed: u8, id: &str) -> KeyPair {
    KeyPair::from_seed(id, [seed; 32]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_self_signed_response_yields_its_keys() {
    let signing = key(1, "ed25519:a");
    let document =
        server_keys_document("remote.example", &signing, 5_000).unwrap_or_else(|e| panic!("{e}"));
    let keys = check_key_response("remote.example", &document).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key_id, "ed25519:a");
    assert_eq!(keys[0].public_key, signing.public_key_base64());
    assert_eq!(keys[0].valid_until_ts, 5_000);
}

#[test]
fn responses_for_another_server_unsigned_or_forged_are_rejected() {
    let signing = key(1, "ed25519:a");
    let document =
        server_keys_document("remote.example", &signing, 5_000).unwrap_or_else(|e| panic!("{e}"));
    assert!(check_key_response("other.example", &document).is_err());

    let mut unsigned = document.clone();
    unsigned.as_object_mut().map(|o| o.remove("signatures"));
    assert!(check_key_response("remote.example", &unsigned).is_err());

    // Another key claims to be the server's verify key but the signature is by the real one.
    let mut forged = document.clone();
    forged["verify_keys"]["ed25519:a"]["key"] = json!(key(2, "ed25519:a").public_key_base64());
    assert!(check_key_response("remote.example", &forged).is_err());

    let mut extended = document;
    extended["valid_until_ts"] = json!(9_999_999);
    assert!(check_key_response("remote.example", &extended).is_err());
}

#[test]
fn old_verify_keys_are_kept_with_their_expiry() {
    let signing = key(1, "ed25519:new");
    let old = key(3, "ed25519:old");
    let mut document = json!({
        "server_name": "remote.example",
        "valid_until_ts": 5_000,
        "verify_keys": {"ed25519:new": {"key": signing.public_key_base64()}},
        "old_verify_keys": {"ed25519:old": {"key": old.public_key_base64(), "expired_ts": 1_000}},
    });
    if let Some(object) = document.as_object_mut() {
        signing
            .sign_json("remote.example", object)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let keys = check_key_response("remote.example", &document).unwrap_or_else(|e| panic!("{e}"));
    let old_key = keys.iter().find(|k| k.key_id == "ed25519:old").cloned();
    assert_eq!(old_key.and_then(|k| k.expired_ts), Some(1_000));
}
