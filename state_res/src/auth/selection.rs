//! The auth events selection (spec `server-server-api.md` § "Auth events selection") and rule 2
//! (v12: 3) of the authorization rules, which holds an event's `auth_events` to it.

use super::{AuthError, CREATE, JOIN_RULES, MEMBER, POWER_LEVELS, THIRD_PARTY_INVITE};
use crate::canonical_json::Object;
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;
use serde_json::Value;
use std::collections::HashSet;

/// The `(type, state_key)` pairs an event's `auth_events` should hold: the create event
/// (v1–v11), the power levels, the sender's membership, and for `m.room.member` events the
/// target's membership, the join rules (join, invite, knock), the third-party invite named by
/// `third_party_invite.signed.token` (invite), and the authorising user's membership
/// (restricted join, v8+). An `m.room.create` event has none.
pub fn auth_types_for_event(
    version: &RoomVersion,
    event_type: &str,
    sender: &str,
    state_key: Option<&str>,
    content: &Object,
) -> Vec<(String, String)> {
    let mut types: Vec<(String, String)> = Vec::with_capacity(6);
    visit_auth_types(
        version,
        event_type,
        sender,
        state_key,
        content,
        |kind, key| {
            if !types.iter().any(|(k, s)| k == kind && s == key) {
                types.push((kind.to_owned(), key.to_owned()));
            }
        },
    );
    types
}

/// The pairs of [`auth_types_for_event`], in the same order, handed to `visit` without
/// allocating; a pair may come more than once (the sender's membership is also the target's
/// when a user changes their own membership).
pub fn visit_auth_types(
    version: &RoomVersion,
    event_type: &str,
    sender: &str,
    state_key: Option<&str>,
    content: &Object,
    mut add: impl FnMut(&str, &str),
) {
    if event_type == CREATE {
        return;
    }
    // "Depending on the room version, the m.room.create event" (not in v12).
    if !version.room_id_is_create_hash {
        add(CREATE, "");
    }
    add(POWER_LEVELS, "");
    add(MEMBER, sender);
    if event_type == MEMBER {
        let membership = content.get("membership").and_then(Value::as_str);
        if let Some(target) = state_key {
            add(MEMBER, target);
        }
        if matches!(membership, Some("join" | "invite" | "knock")) {
            add(JOIN_RULES, "");
        }
        if membership == Some("invite") {
            let token = content
                .get("third_party_invite")
                .and_then(|invite| invite.get("signed"))
                .and_then(|signed| signed.get("token"))
                .and_then(Value::as_str);
            if let Some(token) = token {
                add(THIRD_PARTY_INVITE, token);
            }
        }
        if membership == Some("join") && version.restricted_joins {
            let authoriser = content
                .get("join_authorised_via_users_server")
                .and_then(Value::as_str);
            if let Some(authoriser) = authoriser {
                add(MEMBER, authoriser);
            }
        }
    }
}

/// Rule 2 (v12: 3) on `event`'s own auth events (the events `event.auth_events()` names):
///
/// 1. no two for the same `(type, state_key)`;
/// 2. none outside the [auth events selection](auth_types_for_event) (v12: the create event is
///    not selected, so listing it is rejected here);
/// 3. none rejected — `is_rejected(event_id)` says which were;
/// 4. (v1–v11) an `m.room.create` among them;
/// 5. all in the event's room.
///
/// A create event has nothing to check (rule 1 allows or rejects it before rule 2).
pub fn check_auth_events(
    version: &RoomVersion,
    event: &Pdu,
    auth_events: &[&Pdu],
    is_rejected: impl Fn(&str) -> bool,
) -> Result<(), AuthError> {
    if event.event_type() == CREATE {
        return Ok(());
    }
    // 2.1: If there are duplicate entries for a given type and state_key pair, reject.
    let mut seen = HashSet::new();
    for auth in auth_events {
        let key = (auth.event_type(), auth.state_key());
        if !seen.insert(key) {
            return Err(AuthError::DuplicateAuthEvent {
                event_type: key.0.to_owned(),
                state_key: key.1.unwrap_or_default().to_owned(),
            });
        }
    }
    // 2.2: If there are entries whose type and state_key don't match those specified by the
    // auth events selection algorithm, reject.
    let expected = auth_types_for_event(
        version,
        event.event_type(),
        event.sender(),
        event.state_key(),
        event.content(),
    );
    for auth in auth_events {
        let selected = auth.state_key().is_some_and(|state_key| {
            expected
                .iter()
                .any(|(kind, key)| kind == auth.event_type() && key == state_key)
        });
        if !selected {
            return Err(AuthError::UnexpectedAuthEvent {
                event_type: auth.event_type().to_owned(),
                state_key: auth.state_key().map(str::to_owned),
            });
        }
    }
    // 2.3: If there are entries which were themselves rejected, reject.
    if let Some(rejected) = auth_events.iter().find(|a| is_rejected(a.event_id())) {
        return Err(AuthError::RejectedAuthEvent(rejected.event_id().to_owned()));
    }
    // 2.4 (v1–v11): If there is no m.room.create event among the entries, reject.
    if !version.room_id_is_create_hash && !auth_events.iter().any(|a| a.event_type() == CREATE) {
        return Err(AuthError::NoCreateEvent);
    }
    // 2.5: If any event in auth_events has a room_id which does not match that of the event
    // being authorised, reject.
    if let Some(other) = auth_events.iter().find(|a| a.room_id() != event.room_id()) {
        return Err(AuthError::AuthEventRoomMismatch {
            event_id: other.event_id().to_owned(),
        });
    }
    Ok(())
}
