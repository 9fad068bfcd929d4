//! Why the authorization rules rejected an event: one variant per rejecting clause.
//!
//! Clause numbers in the doc comments use the numbering of `rooms/fragments/v8-auth-rules.md`
//! (v8–v11 share it); v1–v5 number one higher from the member rules on (the `m.room.aliases`
//! rule 4), v6–v7 as v8, and v12 one higher from rule 2 on (its new room id rule).

use super::power_levels::PowerLevel;
use std::fmt;

/// What a power level was needed for, in [`AuthError::InsufficientPower`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// Inviting a user, sending `m.room.third_party_invite`, or authorising a restricted join.
    Invite,
    /// Making another user leave.
    Kick,
    /// Banning a user.
    Ban,
    /// Making a banned user leave (needs the ban level).
    Unban,
    /// Redacting another server's event (room versions 1 and 2).
    Redact,
    /// Sending an event of this type (`events`, `events_default`, `state_default`).
    Send(String),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Invite => f.write_str("invite"),
            Action::Kick => f.write_str("kick"),
            Action::Ban => f.write_str("ban"),
            Action::Unban => f.write_str("unban"),
            Action::Redact => f.write_str("redact"),
            Action::Send(event_type) => write!(f, "send {event_type}"),
        }
    }
}

/// An authorization rule rejected the event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    // ---- Rule 1: m.room.create ----
    /// 1.1: a create event has `prev_events`.
    #[error("the create event has prev_events")]
    CreateHasPrevEvents,
    /// 1.2 (v1–v11): the room id's domain is not the sender's.
    #[error("the create event's room id domain does not match its sender's")]
    CreateRoomIdDomainMismatch,
    /// 1.2 (v12): the create event carries a `room_id`.
    #[error("a room version 12 create event must not have a room_id")]
    CreateHasRoomId,
    /// 1.3: `content.room_version` is not a version this server recognises.
    #[error("unsupported room version {0:?}")]
    UnsupportedRoomVersion(String),
    /// 1.4 (v1–v10): `content.creator` is missing.
    #[error("the create event has no creator")]
    CreateMissingCreator,
    /// 1.4 (v12): `content.additional_creators` is not an array of valid user ids.
    #[error("additional_creators is not an array of valid user ids")]
    InvalidAdditionalCreators,

    // ---- v12 rule 2 and rule 2 (v12: 3): the room and the auth events ----
    /// v12 2: the room id is not the event id of the room's create event (with `!` for `$`).
    #[error("the room id is not derived from the room's create event")]
    RoomIdNotCreateEvent,
    /// 2.1: two auth events share a `(type, state_key)`.
    #[error("duplicate auth event for ({event_type}, {state_key:?})")]
    DuplicateAuthEvent {
        event_type: String,
        state_key: String,
    },
    /// 2.2: an auth event is not one the auth events selection picks (v12: includes the create
    /// event, which must not be listed). `state_key` is `None` for a non-state event.
    #[error("unexpected auth event of type {event_type} with state key {state_key:?}")]
    UnexpectedAuthEvent {
        event_type: String,
        state_key: Option<String>,
    },
    /// 2.3: an auth event was itself rejected.
    #[error("auth event {0} was rejected")]
    RejectedAuthEvent(String),
    /// 2.4 (v1–v11): no `m.room.create` among the auth events; all versions: no create event in
    /// the state the event is checked against.
    #[error("no m.room.create event")]
    NoCreateEvent,
    /// 2.5: an auth event belongs to another room.
    #[error("auth event {event_id} belongs to another room")]
    AuthEventRoomMismatch { event_id: String },

    // ---- Rule 3: m.federate ----
    /// 3: the room does not federate and the sender is on another server than the creator.
    #[error("the room does not federate and the sender is not on the creator's server")]
    NotFederated,

    // ---- v1–v5 rule 4: m.room.aliases ----
    /// v1 4.1: an `m.room.aliases` event without a state key.
    #[error("m.room.aliases needs a state key")]
    AliasesMissingStateKey,
    /// v1 4.2: the state key is not the sender's server name.
    #[error("m.room.aliases state key must be the sender's server name")]
    AliasesStateKeyNotSenderDomain,

    // ---- Rule 4 (v1–v5: 5; v12: 5): m.room.member ----
    /// 4.1: a member event without a state key.
    #[error("m.room.member needs a state key")]
    MembershipMissingStateKey,
    /// 4.1: a member event without a (string) `membership`.
    #[error("m.room.member needs a membership")]
    MembershipMissing,
    /// 4.2 (v8+): `join_authorised_via_users_server` is not a valid user id.
    #[error("join_authorised_via_users_server is not a valid user id")]
    AuthoriserInvalid,
    /// 4.2 (v8+): the event carries no signature of the authorising user's server.
    #[error("the event is not signed by the authorising user's server {0}")]
    AuthoriserSignatureMissing(String),
    /// 4.3.2: a user can only join themselves.
    #[error("the sender of a join must be its state key")]
    JoinNotSelf,
    /// 4.3.3: the sender is banned.
    #[error("the sender is banned")]
    SenderBanned,
    /// 4.3.5.2 (v8+): a restricted join without `join_authorised_via_users_server`.
    #[error("a restricted join needs join_authorised_via_users_server")]
    AuthoriserMissing,
    /// 4.3.5.2 (v8+): the authorising user is not joined.
    #[error("the authorising user {0} is not joined")]
    AuthoriserNotJoined(String),
    /// 4.3.7: the join rule does not let the sender join.
    #[error("the join rule {join_rule:?} does not allow this join")]
    JoinRuleForbids { join_rule: String },
    /// 4.4.1.1: the target of a third-party invite is banned.
    #[error("the invited user is banned")]
    ThirdPartyInviteTargetBanned,
    /// 4.4.1.2: `third_party_invite` has no `signed`.
    #[error("third_party_invite has no signed object")]
    ThirdPartyInviteMissingSigned,
    /// 4.4.1.3: `signed` lacks `mxid` or `token`.
    #[error("third_party_invite.signed needs mxid and token")]
    ThirdPartyInviteMissingMxidOrToken,
    /// 4.4.1.4: `signed.mxid` is not the state key.
    #[error("third_party_invite.signed.mxid does not match the state key")]
    ThirdPartyInviteMxidMismatch,
    /// 4.4.1.5: no `m.room.third_party_invite` with the token as state key.
    #[error("no m.room.third_party_invite for the token")]
    ThirdPartyInviteNotFound,
    /// 4.4.1.6: the sender did not send the `m.room.third_party_invite`.
    #[error("the sender did not send the m.room.third_party_invite")]
    ThirdPartyInviteSenderMismatch,
    /// 4.4.1.8: no signature in `signed` verifies with the invite's public keys.
    #[error("no signature of third_party_invite.signed verifies")]
    ThirdPartyInviteBadSignature,
    /// 4.4.3: the invited user is joined or banned.
    #[error("the invited user is joined or banned")]
    InviteTargetJoinedOrBanned,
    /// 4.5.1: a user leaving (or rejecting) without being invited, joined or knocking.
    #[error("the sender is not invited, joined or knocking")]
    LeaveWithoutMembership,
    /// 4.5.4 / 4.6.2: the target's power level is not below the sender's.
    #[error("the target's power level {target} is not below the sender's {sender}")]
    TargetPowerNotLower {
        target: PowerLevel,
        sender: PowerLevel,
    },
    /// 4.7.1 (v7+): the join rule does not allow knocking.
    #[error("the join rule {join_rule:?} does not allow knocking")]
    KnockForbidden { join_rule: String },
    /// 4.7.2 (v7+): a user can only knock for themselves.
    #[error("the sender of a knock must be its state key")]
    KnockNotSelf,
    /// 4.7.4 (v7+): a banned, invited or joined user cannot knock.
    #[error("a user whose membership is {0} cannot knock")]
    KnockMembershipForbids(String),
    /// 4.8: unknown membership (`knock` before v7).
    #[error("unknown membership {0:?}")]
    UnknownMembership(String),

    // ---- Shared membership and power checks ----
    /// 4.4.2, 4.5.2, 4.6.1, 5: the sender is not joined.
    #[error("the sender is not joined to the room")]
    SenderNotJoined,
    /// The sender's power level is below the level the action needs.
    #[error("power level {has} is below the {needed} needed to {action}")]
    InsufficientPower {
        action: Action,
        needed: PowerLevel,
        has: PowerLevel,
    },
    /// 8: a state key that is a user id other than the sender.
    #[error("the state key is another user's id")]
    StateKeyNotSender,

    // ---- Rule 9 (v1–v5: 10; v12: 10): m.room.power_levels ----
    /// 9.1–9.3 (v10 numbering): a level is not an integer (v10+) or not an integer, integer
    /// string or (v1–v5) number (v1–v9). `key` is e.g. `ban`, `events.m.room.name`, `users.@a:b`.
    #[error("power level {key} is not a valid integer")]
    PowerLevelNotInteger { key: String },
    /// 9.2–9.3: `users`, `events` or `notifications` is not an object.
    #[error("power levels {0} is not an object")]
    PowerLevelsNotObject(&'static str),
    /// 9.3: a `users` key is not a valid user id.
    #[error("power levels users key {0:?} is not a valid user id")]
    PowerLevelsInvalidUserId(String),
    /// v12 10.4: `users` names a room creator.
    #[error("power levels users may not list the room creator {0}")]
    PowerLevelsListsCreator(String),
    /// 9.5.1 / 9.6.1: a changed or removed level is above the sender's.
    #[error("cannot change {key} from {current}, above the sender's level {sender}")]
    CurrentLevelAboveSender {
        key: String,
        current: PowerLevel,
        sender: PowerLevel,
    },
    /// 9.5.2 / 9.7.1 / 9.9.1: an added or changed level is above the sender's.
    #[error("cannot set {key} to {new}, above the sender's level {sender}")]
    NewLevelAboveSender {
        key: String,
        new: PowerLevel,
        sender: PowerLevel,
    },
    /// 9.8.1: another user's level being changed or removed is not below the sender's.
    #[error("cannot change the level {current} of {user_id}: not below the sender's {sender}")]
    UserLevelNotBelowSender {
        user_id: String,
        current: PowerLevel,
        sender: PowerLevel,
    },

    // ---- v1–v2 rule 11: m.room.redaction ----
    /// v1 11.3: neither the redact level nor the redacted event's domain allows the redaction.
    #[error("redaction needs power level {needed} (has {has}) or the redacted event's domain")]
    RedactionForbidden { needed: PowerLevel, has: PowerLevel },
}

impl AuthError {
    /// The variant's name, a stable code for fixtures, logs and metrics.
    pub fn code(&self) -> &'static str {
        use AuthError::*;
        match self {
            CreateHasPrevEvents => "CreateHasPrevEvents",
            CreateRoomIdDomainMismatch => "CreateRoomIdDomainMismatch",
            CreateHasRoomId => "CreateHasRoomId",
            UnsupportedRoomVersion(_) => "UnsupportedRoomVersion",
            CreateMissingCreator => "CreateMissingCreator",
            InvalidAdditionalCreators => "InvalidAdditionalCreators",
            RoomIdNotCreateEvent => "RoomIdNotCreateEvent",
            DuplicateAuthEvent { .. } => "DuplicateAuthEvent",
            UnexpectedAuthEvent { .. } => "UnexpectedAuthEvent",
            RejectedAuthEvent(_) => "RejectedAuthEvent",
            NoCreateEvent => "NoCreateEvent",
            AuthEventRoomMismatch { .. } => "AuthEventRoomMismatch",
            NotFederated => "NotFederated",
            AliasesMissingStateKey => "AliasesMissingStateKey",
            AliasesStateKeyNotSenderDomain => "AliasesStateKeyNotSenderDomain",
            MembershipMissingStateKey => "MembershipMissingStateKey",
            MembershipMissing => "MembershipMissing",
            AuthoriserInvalid => "AuthoriserInvalid",
            AuthoriserSignatureMissing(_) => "AuthoriserSignatureMissing",
            JoinNotSelf => "JoinNotSelf",
            SenderBanned => "SenderBanned",
            AuthoriserMissing => "AuthoriserMissing",
            AuthoriserNotJoined(_) => "AuthoriserNotJoined",
            JoinRuleForbids { .. } => "JoinRuleForbids",
            ThirdPartyInviteTargetBanned => "ThirdPartyInviteTargetBanned",
            ThirdPartyInviteMissingSigned => "ThirdPartyInviteMissingSigned",
            ThirdPartyInviteMissingMxidOrToken => "ThirdPartyInviteMissingMxidOrToken",
            ThirdPartyInviteMxidMismatch => "ThirdPartyInviteMxidMismatch",
            ThirdPartyInviteNotFound => "ThirdPartyInviteNotFound",
            ThirdPartyInviteSenderMismatch => "ThirdPartyInviteSenderMismatch",
            ThirdPartyInviteBadSignature => "ThirdPartyInviteBadSignature",
            InviteTargetJoinedOrBanned => "InviteTargetJoinedOrBanned",
            LeaveWithoutMembership => "LeaveWithoutMembership",
            TargetPowerNotLower { .. } => "TargetPowerNotLower",
            KnockForbidden { .. } => "KnockForbidden",
            KnockNotSelf => "KnockNotSelf",
            KnockMembershipForbids(_) => "KnockMembershipForbids",
            UnknownMembership(_) => "UnknownMembership",
            SenderNotJoined => "SenderNotJoined",
            InsufficientPower { .. } => "InsufficientPower",
            StateKeyNotSender => "StateKeyNotSender",
            PowerLevelNotInteger { .. } => "PowerLevelNotInteger",
            PowerLevelsNotObject(_) => "PowerLevelsNotObject",
            PowerLevelsInvalidUserId(_) => "PowerLevelsInvalidUserId",
            PowerLevelsListsCreator(_) => "PowerLevelsListsCreator",
            CurrentLevelAboveSender { .. } => "CurrentLevelAboveSender",
            NewLevelAboveSender { .. } => "NewLevelAboveSender",
            UserLevelNotBelowSender { .. } => "UserLevelNotBelowSender",
            RedactionForbidden { .. } => "RedactionForbidden",
        }
    }
}
