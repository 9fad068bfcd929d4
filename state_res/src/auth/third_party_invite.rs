//! Rule 4.4.1 (v1–v5: 5.3.1; v6–v7: 4.3.1; v12: 5.4.1): an invite with `third_party_invite`.

use super::{AuthError, RoomState, THIRD_PARTY_INVITE};
use crate::base64;
use crate::canonical_json::Object;
use crate::pdu::Pdu;
use crate::signing::{decode_public_key, verify_json};
use ed25519_dalek::VerifyingKey;
use serde_json::Value;

pub(super) fn check(
    event: &Pdu,
    target: &str,
    third_party_invite: &Value,
    target_membership: Option<&str>,
    state: &RoomState<'_, '_>,
) -> Result<(), AuthError> {
    // 4.4.1.1: If target user is banned, reject.
    if target_membership == Some("ban") {
        return Err(AuthError::ThirdPartyInviteTargetBanned);
    }
    // 4.4.1.2: If content.third_party_invite does not have a signed property, reject.
    let signed = third_party_invite
        .get("signed")
        .and_then(Value::as_object)
        .ok_or(AuthError::ThirdPartyInviteMissingSigned)?;
    // 4.4.1.3: If signed does not have mxid and token properties, reject.
    let field = |name| signed.get(name).and_then(Value::as_str);
    let (Some(mxid), Some(token)) = (field("mxid"), field("token")) else {
        return Err(AuthError::ThirdPartyInviteMissingMxidOrToken);
    };
    // 4.4.1.4: If mxid does not match state_key, reject.
    if mxid != target {
        return Err(AuthError::ThirdPartyInviteMxidMismatch);
    }
    // 4.4.1.5: If there is no m.room.third_party_invite event in the current room state with
    // state_key matching token, reject.
    let invite = state
        .get(THIRD_PARTY_INVITE, token)?
        .ok_or(AuthError::ThirdPartyInviteNotFound)?;
    // 4.4.1.6: If sender does not match sender of the m.room.third_party_invite, reject.
    if invite.sender() != event.sender() {
        return Err(AuthError::ThirdPartyInviteSenderMismatch);
    }
    // 4.4.1.7: If any signature in signed matches any public key in the
    // m.room.third_party_invite event, allow.
    if public_keys(invite.content())
        .iter()
        .any(|key| signed_with(signed, key))
    {
        return Ok(());
    }
    // 4.4.1.8: Otherwise, reject.
    Err(AuthError::ThirdPartyInviteBadSignature)
}

/// 4.4.1.7.1–2: the single key in `public_key` and the keys of the `public_keys` list. Keys that
/// do not decode are skipped. Both Base64 alphabets are accepted, as Synapse does.
fn public_keys(content: &Object) -> Vec<VerifyingKey> {
    let single = content.get("public_key").and_then(Value::as_str);
    let listed = content
        .get("public_keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("public_key").and_then(Value::as_str));
    single
        .into_iter()
        .chain(listed)
        .filter_map(decode)
        .collect()
}

fn decode(key: &str) -> Option<VerifyingKey> {
    decode_public_key(key).ok().or_else(|| {
        let bytes: [u8; 32] = base64::decode_url_safe(key).ok()?.try_into().ok()?;
        VerifyingKey::from_bytes(&bytes).ok()
    })
}

/// Whether any ed25519 signature of any entity in `signed.signatures` verifies with `key`.
fn signed_with(signed: &Object, key: &VerifyingKey) -> bool {
    let Some(signatures) = signed.get("signatures").and_then(Value::as_object) else {
        return false;
    };
    signatures.iter().any(|(entity, by_key)| {
        by_key.as_object().is_some_and(|by_key| {
            by_key.keys().any(|key_id| {
                key_id.starts_with("ed25519:") && verify_json(signed, entity, key_id, key).is_ok()
            })
        })
    })
}
