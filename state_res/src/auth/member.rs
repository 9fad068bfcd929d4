//! Rule 4 (v1–v5: 5; v12: 5): `m.room.member`. Clause numbers below are those of
//! `rooms/fragments/v8-auth-rules.md` (v8–v11); v1–v7 lack 4.2 and shift the rest down by one
//! (4.3 there is 4.2), v12 numbers the rule 5.

use super::power_levels::{PowerLevel, PowerLevels};
use super::{require, third_party_invite, Action, AuthError, RoomState};
use crate::ids::{check_user_id, server_name_of};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;
use serde_json::Value;

/// The facts the membership clauses compare.
struct Membership<'a, 'e> {
    version: &'e RoomVersion,
    event: &'e Pdu,
    /// The state key: the *target user*.
    target: &'e str,
    sender_membership: Option<&'a str>,
    target_membership: Option<&'a str>,
    levels: &'e PowerLevels<'e>,
}

impl Membership<'_, '_> {
    fn sender_level(&self) -> PowerLevel {
        self.levels.user_level(self.event.sender())
    }
    fn target_level(&self) -> PowerLevel {
        self.levels.user_level(self.target)
    }
    fn sender_is_target(&self) -> bool {
        self.event.sender() == self.target
    }
}

pub(super) fn check_member(
    version: &RoomVersion,
    event: &Pdu,
    state: &RoomState<'_, '_>,
    create: &Pdu,
    levels: &PowerLevels<'_>,
) -> Result<(), AuthError> {
    // 4.1: If there is no state_key property, or no membership property in content, reject.
    let target = event
        .state_key()
        .ok_or(AuthError::MembershipMissingStateKey)?;
    let content = event.content();
    let membership = content
        .get("membership")
        .and_then(Value::as_str)
        .ok_or(AuthError::MembershipMissing)?;
    // 4.2 (v8+): If content has a join_authorised_via_users_server key: if the event is not
    // validly signed by the homeserver of the user ID denoted by the key, reject.
    if version.restricted_joins {
        if let Some(authoriser) = content.get("join_authorised_via_users_server") {
            check_authoriser_signed(event, authoriser)?;
        }
    }
    let facts = Membership {
        version,
        event,
        target,
        sender_membership: state.membership(event.sender())?,
        target_membership: state.membership(target)?,
        levels,
    };
    match membership {
        "join" => check_join(&facts, state, create),
        "invite" => match content.get("third_party_invite") {
            // 4.4.1: third-party invites.
            Some(invite) => {
                third_party_invite::check(event, target, invite, facts.target_membership, state)
            }
            None => check_invite(&facts),
        },
        "leave" => check_leave(&facts),
        "ban" => check_ban(&facts),
        "knock" if version.knocking => check_knock(&facts, state),
        // 4.8: Otherwise, the membership is unknown. Reject.
        other => Err(AuthError::UnknownMembership(other.to_owned())),
    }
}

/// 4.2: presence of the authorising server's signature. Verifying it needs the server's keys:
/// that is the signature check's work (spec "Validating hashes and signatures on received
/// events"), done before the auth rules.
fn check_authoriser_signed(event: &Pdu, authoriser: &Value) -> Result<(), AuthError> {
    let authoriser = authoriser
        .as_str()
        .filter(|id| check_user_id(id).is_ok())
        .ok_or(AuthError::AuthoriserInvalid)?;
    let server = server_name_of(authoriser).ok_or(AuthError::AuthoriserInvalid)?;
    let signed = event
        .json()
        .get("signatures")
        .and_then(|signatures| signatures.get(server))
        .and_then(Value::as_object)
        .is_some_and(|by_key| !by_key.is_empty());
    if !signed {
        return Err(AuthError::AuthoriserSignatureMissing(server.to_owned()));
    }
    Ok(())
}

/// 4.3: membership `join`.
fn check_join(
    facts: &Membership<'_, '_>,
    state: &RoomState<'_, '_>,
    create: &Pdu,
) -> Result<(), AuthError> {
    let version = facts.version;
    let event = facts.event;
    // 4.3.1: If the only previous event is an m.room.create and the state_key is the creator
    // (v11+: the sender of the m.room.create), allow.
    if event.prev_events() == [create.event_id()] {
        let creator = if version.creator_is_sender {
            Some(create.sender())
        } else {
            create.content().get("creator").and_then(Value::as_str)
        };
        if creator == Some(facts.target) {
            return Ok(());
        }
    }
    // 4.3.2: If the sender does not match state_key, reject.
    if !facts.sender_is_target() {
        return Err(AuthError::JoinNotSelf);
    }
    // 4.3.3: If the sender is banned, reject.
    if facts.sender_membership == Some("ban") {
        return Err(AuthError::SenderBanned);
    }
    let invited_or_joined = matches!(facts.sender_membership, Some("invite" | "join"));
    let join_rule = state.join_rule()?;
    match join_rule {
        // 4.3.4: If the join_rule is invite (v7+: or knock) then allow if membership state is
        // invite or join.
        "invite" if invited_or_joined => return Ok(()),
        "knock" if version.knocking && invited_or_joined => return Ok(()),
        // 4.3.5 (v8+; v10+: or knock_restricted).
        "restricted" if version.restricted_joins => return check_restricted_join(facts, state),
        "knock_restricted" if version.knock_restricted => {
            return check_restricted_join(facts, state)
        }
        // 4.3.6: If the join_rule is public, allow.
        "public" => return Ok(()),
        _ => {}
    }
    // 4.3.7: Otherwise, reject.
    Err(AuthError::JoinRuleForbids {
        join_rule: join_rule.to_owned(),
    })
}

/// 4.3.5: join rule `restricted` (v8+) or `knock_restricted` (v10+).
fn check_restricted_join(
    facts: &Membership<'_, '_>,
    state: &RoomState<'_, '_>,
) -> Result<(), AuthError> {
    // 4.3.5.1: If membership state is join or invite, allow.
    if matches!(facts.sender_membership, Some("invite" | "join")) {
        return Ok(());
    }
    // 4.3.5.2: If the join_authorised_via_users_server key in content is not a user with
    // sufficient permission to invite other users or is not a joined member of the room, reject.
    let authoriser = facts
        .event
        .content()
        .get("join_authorised_via_users_server")
        .and_then(Value::as_str)
        .ok_or(AuthError::AuthoriserMissing)?;
    if state.membership(authoriser)? != Some("join") {
        return Err(AuthError::AuthoriserNotJoined(authoriser.to_owned()));
    }
    let levels = facts.levels;
    require(
        levels.user_level(authoriser),
        levels.invite_level(),
        Action::Invite,
    )?;
    // 4.3.5.3: Otherwise, allow.
    Ok(())
}

/// 4.4.2–4.4.5: membership `invite` without `third_party_invite`.
fn check_invite(facts: &Membership<'_, '_>) -> Result<(), AuthError> {
    // 4.4.2: If the sender's current membership state is not join, reject.
    if facts.sender_membership != Some("join") {
        return Err(AuthError::SenderNotJoined);
    }
    // 4.4.3: If target user's current membership state is join or ban, reject.
    if matches!(facts.target_membership, Some("join" | "ban")) {
        return Err(AuthError::InviteTargetJoinedOrBanned);
    }
    // 4.4.4: If the sender's power level is greater than or equal to the invite level, allow.
    // 4.4.5: Otherwise, reject.
    require(
        facts.sender_level(),
        facts.levels.invite_level(),
        Action::Invite,
    )
}

/// 4.5: membership `leave`.
fn check_leave(facts: &Membership<'_, '_>) -> Result<(), AuthError> {
    // 4.5.1: If the sender matches state_key, allow if and only if that user's current
    // membership state is invite, join (v7+: or knock).
    if facts.sender_is_target() {
        let allowed = match facts.sender_membership {
            Some("invite" | "join") => true,
            Some("knock") => facts.version.knocking,
            _ => false,
        };
        return if allowed {
            Ok(())
        } else {
            Err(AuthError::LeaveWithoutMembership)
        };
    }
    // 4.5.2: If the sender's current membership state is not join, reject.
    if facts.sender_membership != Some("join") {
        return Err(AuthError::SenderNotJoined);
    }
    // 4.5.3: If the target user's current membership state is ban, and the sender's power level
    // is less than the ban level, reject.
    let sender_level = facts.sender_level();
    if facts.target_membership == Some("ban") {
        require(sender_level, facts.levels.ban_level(), Action::Unban)?;
    }
    // 4.5.4: If the sender's power level is greater than or equal to the kick level, and the
    // target user's power level is less than the sender's power level, allow.
    // 4.5.5: Otherwise, reject.
    require(sender_level, facts.levels.kick_level(), Action::Kick)?;
    target_below_sender(facts)
}

/// 4.6: membership `ban`.
fn check_ban(facts: &Membership<'_, '_>) -> Result<(), AuthError> {
    // 4.6.1: If the sender's current membership state is not join, reject.
    if facts.sender_membership != Some("join") {
        return Err(AuthError::SenderNotJoined);
    }
    // 4.6.2: If the sender's power level is greater than or equal to the ban level, and the
    // target user's power level is less than the sender's power level, allow.
    // 4.6.3: Otherwise, reject.
    require(facts.sender_level(), facts.levels.ban_level(), Action::Ban)?;
    target_below_sender(facts)
}

fn target_below_sender(facts: &Membership<'_, '_>) -> Result<(), AuthError> {
    let (target, sender) = (facts.target_level(), facts.sender_level());
    if target < sender {
        Ok(())
    } else {
        Err(AuthError::TargetPowerNotLower { target, sender })
    }
}

/// 4.7 (v7+): membership `knock`.
fn check_knock(facts: &Membership<'_, '_>, state: &RoomState<'_, '_>) -> Result<(), AuthError> {
    // 4.7.1: If the join_rule is anything other than knock (v10+: or knock_restricted), reject.
    let join_rule = state.join_rule()?;
    let knockable =
        join_rule == "knock" || (join_rule == "knock_restricted" && facts.version.knock_restricted);
    if !knockable {
        return Err(AuthError::KnockForbidden {
            join_rule: join_rule.to_owned(),
        });
    }
    // 4.7.2: If sender does not match state_key, reject.
    if !facts.sender_is_target() {
        return Err(AuthError::KnockNotSelf);
    }
    // 4.7.3: If the sender's current membership is not ban, invite, or join, allow.
    // 4.7.4: Otherwise, reject.
    match facts.sender_membership {
        Some(membership @ ("ban" | "invite" | "join")) => {
            Err(AuthError::KnockMembershipForbids(membership.to_owned()))
        }
        _ => Ok(()),
    }
}
