//! Format checks of a PDU (spec `server-server-api.md` § "Checks performed on receipt of a PDU",
//! step 1: "Is a valid event, otherwise it is dropped"; the PDU schemas of each room version).

use super::{hashes, Pdu, MAX_KEY_BYTES, MAX_PDU_BYTES};
use crate::canonical_json::{
    canonical_object, check_numbers, parse_lenient, parse_strict, CanonicalJsonError, Object,
};
use crate::ids::{self, IdError};
use crate::room_version::{EventIdFormat, RoomVersion};
use serde_json::Value;

/// Why a PDU was rejected by the format checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PduError {
    #[error(transparent)]
    Json(#[from] CanonicalJsonError),
    #[error("the PDU is not a JSON object")]
    NotAnObject,
    #[error("the PDU is {0} bytes, over the 65536-byte limit")]
    TooLarge(usize),
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    #[error("field `{field}` has the wrong type: expected {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("field `{field}` is {len} bytes, over the {max}-byte limit")]
    FieldTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("field `{field}` is not a valid identifier: {source}")]
    BadId {
        field: &'static str,
        source: IdError,
    },
    #[error("field `{0}` is out of range")]
    OutOfRange(&'static str),
    #[error("a room version 12 create event must not have a `room_id`")]
    CreateWithRoomId,
}

pub(super) fn parse_bytes(bytes: &[u8], version: &RoomVersion) -> Result<Pdu, PduError> {
    let value = if version.strict_canonical_json {
        parse_strict(bytes)?
    } else {
        parse_lenient(bytes)?
    };
    match value {
        Value::Object(json) => parse(json, version),
        _ => Err(PduError::NotAnObject),
    }
}

pub(super) fn parse(json: Object, version: &RoomVersion) -> Result<Pdu, PduError> {
    if version.strict_canonical_json {
        json.values().try_for_each(check_numbers)?;
    }
    let size = canonical_object(&json)?.len();
    if size > MAX_PDU_BYTES {
        return Err(PduError::TooLarge(size));
    }
    let event_type = bounded_string(&json, "type")?.to_owned();
    let state_key = match json.get("state_key") {
        None => None,
        Some(_) => Some(bounded_string(&json, "state_key")?.to_owned()),
    };
    let sender = string(&json, "sender")?.to_owned();
    ids::check_user_id(&sender).map_err(|source| PduError::BadId {
        field: "sender",
        source,
    })?;
    if !json.get("content").is_some_and(Value::is_object) {
        return Err(wrong_type_or_missing(&json, "content", "an object"));
    }
    let origin_server_ts = integer(&json, "origin_server_ts")?;
    let depth = integer(&json, "depth")?;
    if depth < 0 {
        return Err(PduError::OutOfRange("depth"));
    }
    let prev_events = event_refs(&json, "prev_events", version)?;
    let auth_events = event_refs(&json, "auth_events", version)?;
    let is_v12_create = version.room_id_is_create_hash && event_type == "m.room.create";
    let room_id = if is_v12_create {
        if json.contains_key("room_id") {
            return Err(PduError::CreateWithRoomId);
        }
        hashes::room_id_for_create(&json, version).map_err(hash_to_pdu)?
    } else {
        let room_id = string(&json, "room_id")?.to_owned();
        ids::check_room_id(&room_id).map_err(|source| PduError::BadId {
            field: "room_id",
            source,
        })?;
        room_id
    };
    let redacts = redacts(&json, &event_type, version)?;
    let event_id = match hashes::event_id_for(&json, version).map_err(hash_to_pdu)? {
        Some(id) => id,
        None => {
            let id = string(&json, "event_id")?.to_owned();
            ids::check_event_id(&id).map_err(|source| PduError::BadId {
                field: "event_id",
                source,
            })?;
            id
        }
    };
    Ok(Pdu {
        event_id,
        room_id,
        sender,
        event_type,
        state_key,
        prev_events,
        auth_events,
        depth,
        origin_server_ts,
        redacts,
        json,
    })
}

fn hash_to_pdu(error: hashes::HashError) -> PduError {
    match error {
        hashes::HashError::Json(json) => PduError::Json(json),
        // Computing (not checking) a hash only fails on JSON.
        _ => PduError::NotAnObject,
    }
}

fn wrong_type_or_missing(json: &Object, field: &'static str, expected: &'static str) -> PduError {
    if json.contains_key(field) {
        PduError::WrongType { field, expected }
    } else {
        PduError::MissingField(field)
    }
}

fn string<'a>(json: &'a Object, field: &'static str) -> Result<&'a str, PduError> {
    json.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| wrong_type_or_missing(json, field, "a string"))
}

fn bounded_string<'a>(json: &'a Object, field: &'static str) -> Result<&'a str, PduError> {
    let value = string(json, field)?;
    if value.len() > MAX_KEY_BYTES {
        return Err(PduError::FieldTooLong {
            field,
            len: value.len(),
            max: MAX_KEY_BYTES,
        });
    }
    Ok(value)
}

fn integer(json: &Object, field: &'static str) -> Result<i64, PduError> {
    json.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| wrong_type_or_missing(json, field, "an integer"))
}

/// `prev_events` / `auth_events`: event id strings from v3 on, `[event_id, {hashes}]` pairs in
/// v1 and v2 (spec `rooms/v1.md` event format).
fn event_refs(
    json: &Object,
    field: &'static str,
    version: &RoomVersion,
) -> Result<Vec<String>, PduError> {
    let items = json
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| wrong_type_or_missing(json, field, "an array"))?;
    let pairs = version.event_id_format == EventIdFormat::Random;
    let expected = if pairs {
        "an array of [event_id, hashes] pairs"
    } else {
        "an array of event ids"
    };
    items
        .iter()
        .map(|item| {
            let id = if pairs {
                item.as_array()
                    .filter(|pair| pair.len() == 2 && pair[1].is_object())
                    .and_then(|pair| pair[0].as_str())
            } else {
                item.as_str()
            };
            let id = id.ok_or(PduError::WrongType { field, expected })?;
            ids::check_event_id(id).map_err(|source| PduError::BadId { field, source })?;
            Ok(id.to_owned())
        })
        .collect()
}

fn redacts(
    json: &Object,
    event_type: &str,
    version: &RoomVersion,
) -> Result<Option<String>, PduError> {
    if event_type != "m.room.redaction" {
        return Ok(None);
    }
    let holder = if version.redacts_in_content {
        json.get("content").and_then(Value::as_object)
    } else {
        Some(json)
    };
    match holder.and_then(|h| h.get("redacts")) {
        None => Ok(None),
        Some(Value::String(id)) => {
            ids::check_event_id(id).map_err(|source| PduError::BadId {
                field: "redacts",
                source,
            })?;
            Ok(Some(id.clone()))
        }
        Some(_) => Err(PduError::WrongType {
            field: "redacts",
            expected: "an event id",
        }),
    }
}
