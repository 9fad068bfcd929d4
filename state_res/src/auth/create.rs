//! Rule 1: `m.room.create` (v1 fragment rule 1, `rooms/v11.md` rule 1, `rooms/v12.md` rule 1).

use super::AuthError;
use crate::ids::{check_user_id, server_name_of};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;
use serde_json::Value;

/// Authorises a create event. Nothing after rule 1 applies to it.
pub(super) fn check_create(version: &RoomVersion, event: &Pdu) -> Result<(), AuthError> {
    // 1.1: If it has any prev_events, reject.
    if !event.prev_events().is_empty() {
        return Err(AuthError::CreateHasPrevEvents);
    }
    if version.room_id_is_create_hash {
        // v12 1.2: If the event has a room_id, reject.
        if event.json().contains_key("room_id") {
            return Err(AuthError::CreateHasRoomId);
        }
    } else {
        // 1.2: If the domain of the room_id does not match the domain of the sender, reject.
        let room_domain = server_name_of(event.room_id());
        if room_domain.is_none() || room_domain != server_name_of(event.sender()) {
            return Err(AuthError::CreateRoomIdDomainMismatch);
        }
    }
    // 1.3: If content.room_version is present and is not a recognised version, reject.
    let content = event.content();
    if let Some(room_version) = content.get("room_version") {
        match room_version.as_str() {
            Some(id) if RoomVersion::from_id(id).is_some() => {}
            Some(id) => return Err(AuthError::UnsupportedRoomVersion(id.to_owned())),
            None => return Err(AuthError::UnsupportedRoomVersion(room_version.to_string())),
        }
    }
    // 1.4 (v1–v10): If content has no creator property, reject (removed in v11).
    if !version.creator_is_sender && !content.contains_key("creator") {
        return Err(AuthError::CreateMissingCreator);
    }
    // v12 1.4: If additional_creators is present in content and is not an array of strings
    // where each string passes the same user ID validation applied to sender, reject.
    if version.privileged_creators {
        if let Some(additional) = content.get("additional_creators") {
            let valid = additional.as_array().is_some_and(|creators| {
                creators
                    .iter()
                    .all(|c| c.as_str().is_some_and(|id| check_user_id(id).is_ok()))
            });
            if !valid {
                return Err(AuthError::InvalidAdditionalCreators);
            }
        }
    }
    // 1.5: Otherwise, allow.
    Ok(())
}

/// Rule 3: if the create event's `content["m.federate"]` is `false`, the sender's server must
/// be the create event sender's.
pub(super) fn check_federate(create: &Pdu, event: &Pdu) -> Result<(), AuthError> {
    let federates = create.content().get("m.federate") != Some(&Value::Bool(false));
    if !federates && server_name_of(event.sender()) != server_name_of(create.sender()) {
        return Err(AuthError::NotFederated);
    }
    Ok(())
}
