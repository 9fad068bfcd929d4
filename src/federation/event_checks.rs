//! The first three checks on receipt of a PDU (spec `server-server-api.md` § "Checks performed
//! on receipt of a PDU", steps 1–3): the event format of its room version, the signatures of
//! every server that must have signed it, and the content hash — an event whose content does
//! not match its hash is redacted before anything else looks at it.
//!
//! Which servers must sign (§ "Validating hashes and signatures on received events"): the
//! sender's server; in room versions 1 and 2 the server of the event id too; for a restricted
//! join (`join_authorised_via_users_server`), the authorising user's server.

use serde_json::Value;
use state_res::canonical_json::Object;
use state_res::ids::server_name_of;
use state_res::pdu::{check_content_hash, Pdu, PduError};
use state_res::redaction::redact;
use state_res::room_version::{EventIdFormat, RoomVersion};
use state_res::signing::{signing_key_ids, verify_json, KeyPair, SigningError};

use super::KeyRing;

/// Why a received PDU is dropped.
#[derive(Debug, thiserror::Error)]
pub enum DroppedPdu {
    /// Step 1: not a valid event of its room version.
    #[error("invalid event: {0}")]
    Format(#[from] PduError),
    /// Step 2: a required signature is missing or does not verify.
    #[error("bad signature: {0}")]
    Signature(String),
}

/// A PDU that passed steps 1–3.
#[derive(Debug)]
pub struct CheckedPdu {
    /// The event, redacted if its content hash did not match.
    pub pdu: Pdu,
    /// Whether it was redacted for a hash mismatch (step 3).
    pub redacted: bool,
}

/// Checks `json` as a PDU of `version`: format, signatures (fetching keys through `key_ring`)
/// and content hash.
pub async fn check_pdu(
    key_ring: &KeyRing,
    json: Object,
    version: &RoomVersion,
) -> Result<CheckedPdu, DroppedPdu> {
    let pdu = Pdu::from_json(json, version)?;
    let redacted_json = redact(pdu.json(), version);
    // Keys must be valid when the event was sent from room version 5 on (`enforce_key_validity`);
    // older versions accept any key the server ever had.
    let valid_at = if version.enforce_key_validity {
        pdu.origin_server_ts()
    } else {
        i64::MIN
    };
    for server in required_signers(&pdu, version) {
        verify_server_signature(key_ring, &redacted_json, &server, valid_at).await?;
    }
    if check_content_hash(pdu.json()).is_ok() {
        return Ok(CheckedPdu {
            pdu,
            redacted: false,
        });
    }
    tracing::info!(
        event_id = pdu.event_id(),
        "content hash mismatch: redacting"
    );
    Ok(CheckedPdu {
        pdu: Pdu::from_json(redacted_json, version)?,
        redacted: true,
    })
}

/// The servers whose signatures `pdu` must carry.
fn required_signers(pdu: &Pdu, version: &RoomVersion) -> Vec<String> {
    let mut servers = Vec::new();
    let mut add = |id: &str| {
        if let Some(server) = server_name_of(id) {
            if !servers.iter().any(|s| s == server) {
                servers.push(server.to_owned());
            }
        }
    };
    add(pdu.sender());
    if version.event_id_format == EventIdFormat::Random {
        add(pdu.event_id());
    }
    let content = pdu.content();
    let joins = pdu.event_type() == "m.room.member"
        && content.get("membership").and_then(Value::as_str) == Some("join");
    if version.restricted_joins && joins {
        if let Some(via) = content
            .get("join_authorised_via_users_server")
            .and_then(Value::as_str)
        {
            add(via);
        }
    }
    servers
}

/// At least one of `server`'s signatures on the (redacted) event verifies, and none of the keys
/// it names fails to (spec appendices § "Checking for a Signature").
pub async fn verify_server_signature(
    key_ring: &KeyRing,
    redacted: &Object,
    server: &str,
    valid_at: i64,
) -> Result<(), DroppedPdu> {
    let key_ids =
        signing_key_ids(redacted, server).map_err(|e| DroppedPdu::Signature(e.to_string()))?;
    if key_ids.is_empty() {
        return Err(DroppedPdu::Signature(format!("no signature by {server}")));
    }
    let mut last_error = String::new();
    for key_id in &key_ids {
        let key = match key_ring.verify_key(server, key_id, valid_at).await {
            Ok(key) => key,
            Err(e) => {
                last_error = e.to_string();
                continue;
            }
        };
        return verify_json(redacted, server, key_id, &key)
            .map_err(|e| DroppedPdu::Signature(e.to_string()));
    }
    Err(DroppedPdu::Signature(format!(
        "no usable key of {server}: {last_error}"
    )))
}

/// Adds `server`'s signature to an event others signed already (an invite this server's user
/// receives, spec § "Inviting to a room": the invitee's server signs it too): over the redacted
/// event, as every event signature.
pub fn co_sign(
    event: &mut Object,
    version: &RoomVersion,
    server: &str,
    key: &KeyPair,
) -> Result<(), SigningError> {
    let mut redacted = redact(event, version);
    redacted.remove("unsigned");
    key.sign_json(server, &mut redacted)?;
    if let Some(signatures) = redacted.remove("signatures") {
        event.insert("signatures".to_owned(), signatures);
    }
    Ok(())
}
