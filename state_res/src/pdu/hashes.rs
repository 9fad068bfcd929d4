//! Content hash, reference hash, event ids and v12 room ids (spec `server-server-api.md`
//! § "Calculating the content hash for an event", § "Calculating the reference hash for an
//! event"; `rooms/fragments/v1-event-ids.md`, `v4-event-ids.md`; `rooms/v12.md`).

use crate::base64;
use crate::canonical_json::{canonical_object_excluding, CanonicalJsonError, Object};
use crate::redaction::redact;
use crate::room_version::{EventIdFormat, RoomVersion};
use crate::signing::{KeyPair, SigningError};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Why a hash could not be computed or did not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error(transparent)]
    Json(#[from] CanonicalJsonError),
    #[error("event has no sha256 content hash")]
    MissingContentHash,
    #[error("content hash does not match the event")]
    ContentHashMismatch,
}

/// The sha256 content hash: over the canonical JSON of the event without `unsigned`,
/// `signatures` and `hashes`.
pub fn compute_content_hash(event: &Object) -> Result<[u8; 32], HashError> {
    let encoded = canonical_object_excluding(event, &["unsigned", "signatures", "hashes"])?;
    Ok(Sha256::digest(encoded.as_bytes()).into())
}

/// Checks `hashes.sha256` against the event (spec "Checks performed on receipt of a PDU", step 5).
pub fn check_content_hash(event: &Object) -> Result<(), HashError> {
    let expected = event
        .get("hashes")
        .and_then(|h| h.get("sha256"))
        .and_then(Value::as_str)
        .ok_or(HashError::MissingContentHash)?;
    let expected = base64::decode(expected).map_err(|_| HashError::ContentHashMismatch)?;
    if expected.as_slice() == compute_content_hash(event)?.as_slice() {
        Ok(())
    } else {
        Err(HashError::ContentHashMismatch)
    }
}

/// The reference hash: sha256 over the canonical JSON of the redacted event without
/// `signatures` and `unsigned`.
pub fn reference_hash(event: &Object, version: &RoomVersion) -> Result<[u8; 32], HashError> {
    let redacted = redact(event, version);
    let encoded = canonical_object_excluding(&redacted, &["signatures", "unsigned"])?;
    Ok(Sha256::digest(encoded.as_bytes()).into())
}

/// The event id of `event` for v3+ room versions, or `None` for v1/v2 whose ids are chosen by
/// the origin server and carried in the event.
pub fn event_id_for(event: &Object, version: &RoomVersion) -> Result<Option<String>, HashError> {
    let encode = match version.event_id_format {
        EventIdFormat::Random => return Ok(None),
        EventIdFormat::StandardBase64 => base64::encode,
        EventIdFormat::UrlSafeBase64 => base64::encode_url_safe,
    };
    let hash = reference_hash(event, version)?;
    Ok(Some(format!("${}", encode(hash))))
}

/// The room id of a v12 room: `!` + URL-safe unpadded Base64 of its create event's reference
/// hash (spec `rooms/v12.md`).
pub fn room_id_for_create(create: &Object, version: &RoomVersion) -> Result<String, HashError> {
    Ok(format!(
        "!{}",
        base64::encode_url_safe(reference_hash(create, version)?)
    ))
}

/// Adds the content hash and `origin`'s signature to an event we build (spec "Signing Events":
/// hash first, then sign the redacted form, then copy the signature onto the full event).
pub fn sign_event(
    event: &mut Object,
    version: &RoomVersion,
    origin: &str,
    key: &KeyPair,
) -> Result<(), SigningError> {
    let content_hash = compute_content_hash(event).map_err(|e| match e {
        HashError::Json(json) => SigningError::Json(json),
        _ => SigningError::MalformedSignatures,
    })?;
    let mut hashes = Object::new();
    hashes.insert(
        "sha256".to_owned(),
        Value::String(base64::encode(content_hash)),
    );
    event.insert("hashes".to_owned(), Value::Object(hashes));

    let mut redacted = redact(event, version);
    redacted.remove("unsigned");
    key.sign_json(origin, &mut redacted)?;
    if let Some(signatures) = redacted.remove("signatures") {
        event.insert("signatures".to_owned(), signatures);
    }
    Ok(())
}
