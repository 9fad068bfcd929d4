//! The authorization rules of room versions 1–12 (spec `rooms/fragments/v1-auth-rules.md` for
//! v1–v2, `v3-auth-rules.md` for v3–v5, the inline rules of `rooms/v6.md` and `v7.md`,
//! `v8-auth-rules.md` for v8–v9, and the inline rules of `v10.md`, `v11.md`, `v12.md`), plus the
//! auth events selection of `server-server-api.md`.
//!
//! [`check_auth`] applies the rules to an event against a state (its auth events, the state
//! before it, or a partial state during resolution) and names the rejecting clause in an
//! [`AuthError`]. [`check_auth_events`] is rule 2 (v12: 3) on the event's own auth events.
//! Everything branches on [`RoomVersion`] flags.
//!
//! Not checked here, because they need keys or storage: signatures (including the authorising
//! server's signature on a restricted join, of which only the presence is checked) and whether
//! an event was rejected (the caller says, see [`check_auth_events`]).

mod create;
mod error;
mod member;
mod power_change;
mod power_levels;
mod selection;
mod third_party_invite;

pub use error::{Action, AuthError};
pub use power_levels::{parse_level, room_creators, PowerLevel, PowerLevels};
pub use selection::{auth_types_for_event, check_auth_events, visit_auth_types};

use crate::ids::server_name_of;
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;
use serde_json::Value;

const CREATE: &str = "m.room.create";
const MEMBER: &str = "m.room.member";
const POWER_LEVELS: &str = "m.room.power_levels";
const JOIN_RULES: &str = "m.room.join_rules";
const THIRD_PARTY_INVITE: &str = "m.room.third_party_invite";
const ALIASES: &str = "m.room.aliases";
const REDACTION: &str = "m.room.redaction";

/// Checks `event` against `state`, the state the event is authorised against (its auth events,
/// or the state before it), looked up by (event type, state key).
///
/// In room version 12 the create event is not among an event's auth events; `state` must still
/// return it for `("m.room.create", "")` (the caller finds it from the room id).
pub fn check_auth<'a>(
    version: &RoomVersion,
    event: &Pdu,
    state: impl Fn(&str, &str) -> Option<&'a Pdu>,
) -> Result<(), AuthError> {
    // Rule 1: m.room.create.
    if event.event_type() == CREATE {
        return create::check_create(version, event);
    }
    let state = RoomState {
        lookup: &state,
        room_id: event.room_id(),
    };
    // v1–v11 2.4 (no create event) and 2.5 for it; v12 rule 2 (the room id is the create's).
    let create = state.create(version)?;
    // Rule 3: m.federate.
    create::check_federate(create, event)?;
    // v1–v5 rule 4: m.room.aliases.
    if version.special_case_aliases_auth && event.event_type() == ALIASES {
        return check_aliases(event);
    }
    let levels = PowerLevels::from_state(version, Some(create), state.get(POWER_LEVELS, "")?);
    // Rule 4 (v1–v5, v12: 5): m.room.member.
    if event.event_type() == MEMBER {
        return member::check_member(version, event, &state, create, &levels);
    }
    // Rule 5: If the sender's current membership state is not join, reject.
    if state.membership(event.sender())? != Some("join") {
        return Err(AuthError::SenderNotJoined);
    }
    let sender_level = levels.user_level(event.sender());
    // Rule 6: m.room.third_party_invite: allow iff the sender has the invite level.
    if event.event_type() == THIRD_PARTY_INVITE {
        return require(sender_level, levels.invite_level(), Action::Invite);
    }
    // Rule 7: If the event type's required power level is greater than the sender's, reject.
    let needed = levels.event_level(event.event_type(), event.is_state());
    require(
        sender_level,
        needed,
        Action::Send(event.event_type().to_owned()),
    )?;
    // Rule 8: a state key that starts with `@` must be the sender.
    if let Some(state_key) = event.state_key() {
        if state_key.starts_with('@') && state_key != event.sender() {
            return Err(AuthError::StateKeyNotSender);
        }
    }
    // Rule 9 (v1–v5, v12: 10): m.room.power_levels.
    if event.event_type() == POWER_LEVELS {
        let current = state.get(POWER_LEVELS, "")?;
        power_change::check_power_levels(version, event, current, create, sender_level)?;
    }
    // v1–v2 rule 11: m.room.redaction.
    if version.redaction_domain_check_in_auth && event.event_type() == REDACTION {
        return check_redaction(event, &levels, sender_level);
    }
    // Rule 10 (v1–v2: 12): Otherwise, allow.
    Ok(())
}

/// A power event (spec `rooms/fragments/v2-state-res.md` § "Definitions"): a state event of type
/// `m.room.power_levels` or `m.room.join_rules`, or an `m.room.member` whose membership is
/// `leave` or `ban` and whose sender is not its state key.
///
/// Like Synapse and Ruma, power levels and join rules count only with the empty state key (the
/// only one the auth rules read). Unlike them, `m.room.create` does not count: the spec's
/// definition does not name it.
pub fn is_power_event(event: &Pdu) -> bool {
    let Some(state_key) = event.state_key() else {
        return false;
    };
    match event.event_type() {
        POWER_LEVELS | JOIN_RULES => state_key.is_empty(),
        MEMBER => {
            let membership = event.content().get("membership").and_then(Value::as_str);
            matches!(membership, Some("leave" | "ban")) && event.sender() != state_key
        }
        _ => false,
    }
}

/// `Ok` if `has` reaches `needed`.
fn require(has: PowerLevel, needed: PowerLevel, action: Action) -> Result<(), AuthError> {
    if has >= needed {
        Ok(())
    } else {
        Err(AuthError::InsufficientPower {
            action,
            needed,
            has,
        })
    }
}

/// v1–v5 rule 4: `m.room.aliases`.
fn check_aliases(event: &Pdu) -> Result<(), AuthError> {
    // 4.1: If event has no state_key, reject.
    let state_key = event.state_key().ok_or(AuthError::AliasesMissingStateKey)?;
    // 4.2: If sender's domain doesn't match state_key, reject.
    if server_name_of(event.sender()) != Some(state_key) {
        return Err(AuthError::AliasesStateKeyNotSenderDomain);
    }
    // 4.3: Otherwise, allow.
    Ok(())
}

/// v1–v2 rule 11: `m.room.redaction`.
fn check_redaction(
    event: &Pdu,
    levels: &PowerLevels<'_>,
    sender_level: PowerLevel,
) -> Result<(), AuthError> {
    // 11.1: If the sender's power level is greater than or equal to the redact level, allow.
    if sender_level >= levels.redact_level() {
        return Ok(());
    }
    // 11.2: If the domain of the event_id of the event being redacted is the same as the domain
    // of the event_id of the m.room.redaction, allow.
    let redacted_domain = event.redacts().and_then(server_name_of);
    if redacted_domain.is_some() && redacted_domain == server_name_of(event.event_id()) {
        return Ok(());
    }
    // 11.3: Otherwise, reject.
    Err(AuthError::RedactionForbidden {
        needed: levels.redact_level(),
        has: sender_level,
    })
}

/// The state an event is checked against. Every event looked up must be in the event's room
/// (rule 2.5: "If any event in auth_events has a room_id which does not match that of the event
/// being authorised, reject").
struct RoomState<'a, 'e> {
    lookup: &'e dyn Fn(&str, &str) -> Option<&'a Pdu>,
    room_id: &'e str,
}

impl<'a> RoomState<'a, '_> {
    fn get(&self, event_type: &str, state_key: &str) -> Result<Option<&'a Pdu>, AuthError> {
        match (self.lookup)(event_type, state_key) {
            Some(found) if found.room_id() != self.room_id => {
                Err(AuthError::AuthEventRoomMismatch {
                    event_id: found.event_id().to_owned(),
                })
            }
            found => Ok(found),
        }
    }

    /// The create event. v12 rule 2: "If the event's room_id is not an event ID for an accepted
    /// (not rejected) m.room.create event, with the sigil `!` instead of `$`, reject" (a v12
    /// create event's room id is derived from its event id).
    fn create(&self, version: &RoomVersion) -> Result<&'a Pdu, AuthError> {
        let create = (self.lookup)(CREATE, "").ok_or(AuthError::NoCreateEvent)?;
        if create.room_id() != self.room_id {
            return Err(if version.room_id_is_create_hash {
                AuthError::RoomIdNotCreateEvent
            } else {
                AuthError::AuthEventRoomMismatch {
                    event_id: create.event_id().to_owned(),
                }
            });
        }
        Ok(create)
    }

    /// A user's current membership (`None` without a member event or `membership`).
    fn membership(&self, user_id: &str) -> Result<Option<&'a str>, AuthError> {
        Ok(self
            .get(MEMBER, user_id)?
            .and_then(|member| member.content().get("membership"))
            .and_then(Value::as_str))
    }

    /// The current join rule. Without a join rules event (or a string `join_rule`) the room is
    /// invite-only, as in Synapse.
    fn join_rule(&self) -> Result<&'a str, AuthError> {
        Ok(self
            .get(JOIN_RULES, "")?
            .and_then(|rules| rules.content().get("join_rule"))
            .and_then(Value::as_str)
            .unwrap_or("invite"))
    }
}
