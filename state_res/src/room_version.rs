//! Room versions 1–12 as rule data (spec `rooms/`). Code branches on these flags, never on the
//! version string, so a new version is one more constant built from its predecessor.

/// How event ids are formed (spec `rooms/fragments/v1-event-ids.md`, `v4-event-ids.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventIdFormat {
    /// `$opaque:server`, chosen by the origin and carried in the event (v1, v2).
    Random,
    /// `$` + standard unpadded Base64 of the reference hash (v3).
    StandardBase64,
    /// `$` + URL-safe unpadded Base64 of the reference hash (v4 and later).
    UrlSafeBase64,
}

/// Which state resolution algorithm the room uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateResVersion {
    V1,
    V2,
    /// v2 with the conflicted state subgraph and no unconflicted overlay (room v12, MSC4297).
    V2_1,
}

/// Which keys the redaction algorithm keeps (spec `rooms/fragments/v*-redactions.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedactionRules {
    /// `m.room.aliases` keeps `aliases` (v1–v5).
    pub keep_aliases: bool,
    /// `m.room.join_rules` keeps `allow` (v8+).
    pub keep_join_rules_allow: bool,
    /// `m.room.member` keeps `join_authorised_via_users_server` (v9+).
    pub keep_authorising_user: bool,
    /// v11 changes: top-level `origin`, `membership`, `prev_state` dropped; `m.room.create` keeps
    /// all content; power levels keep `invite`; member keeps `third_party_invite.signed`;
    /// `m.room.redaction` keeps `redacts`.
    pub v11: bool,
}

/// One room version's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomVersion {
    /// The version identifier, e.g. `"10"`.
    pub id: &'static str,
    /// Whether the spec calls it stable.
    pub stable: bool,
    pub event_id_format: EventIdFormat,
    pub state_res: StateResVersion,
    pub redaction: RedactionRules,
    /// v1–v2: a redaction is allowed by the auth rules when its sender's domain matches the
    /// redacted event's (later versions moved that check out of auth: `v3-handling-redactions`).
    pub redaction_domain_check_in_auth: bool,
    /// v1–v5: `m.room.aliases` has its own auth rule (state key must be the sender's domain).
    pub special_case_aliases_auth: bool,
    /// v5+: a signature counts only if made within the key's `valid_until_ts`.
    pub enforce_key_validity: bool,
    /// v6+: events must be strictly canonical JSON (no floats, no out-of-range integers).
    pub strict_canonical_json: bool,
    /// v10+: power level values must be JSON integers, never strings.
    pub integer_power_levels: bool,
    /// v7+: `knock` membership and join rule.
    pub knocking: bool,
    /// v8+: `restricted` join rule with `join_authorised_via_users_server`.
    pub restricted_joins: bool,
    /// v10+: `knock_restricted` join rule.
    pub knock_restricted: bool,
    /// v11+: the creator is the create event's `sender`; `content.creator` is not used.
    pub creator_is_sender: bool,
    /// v11+: `redacts` lives in the content of `m.room.redaction`.
    pub redacts_in_content: bool,
    /// v6+: changes to the `notifications` levels of `m.room.power_levels` are held to the
    /// power level change rules like `events` (spec `rooms/v6.md` § "Authorisation rules", rules
    /// 9.4–9.5; MSC2209).
    pub notifications_power_level: bool,
    /// v12+: the room id is `!` + the create event's reference hash, the create event has no
    /// `room_id` and is not listed in `auth_events`.
    pub room_id_is_create_hash: bool,
    /// v12+: creators (create `sender` + `additional_creators`) have infinite power.
    pub privileged_creators: bool,
}

impl RoomVersion {
    pub const V1: Self = Self {
        id: "1",
        stable: true,
        event_id_format: EventIdFormat::Random,
        state_res: StateResVersion::V1,
        redaction: RedactionRules {
            keep_aliases: true,
            keep_join_rules_allow: false,
            keep_authorising_user: false,
            v11: false,
        },
        redaction_domain_check_in_auth: true,
        special_case_aliases_auth: true,
        enforce_key_validity: false,
        strict_canonical_json: false,
        integer_power_levels: false,
        knocking: false,
        restricted_joins: false,
        knock_restricted: false,
        creator_is_sender: false,
        redacts_in_content: false,
        notifications_power_level: false,
        room_id_is_create_hash: false,
        privileged_creators: false,
    };
    pub const V2: Self = Self {
        id: "2",
        state_res: StateResVersion::V2,
        ..Self::V1
    };
    pub const V3: Self = Self {
        id: "3",
        event_id_format: EventIdFormat::StandardBase64,
        redaction_domain_check_in_auth: false,
        ..Self::V2
    };
    pub const V4: Self = Self {
        id: "4",
        event_id_format: EventIdFormat::UrlSafeBase64,
        ..Self::V3
    };
    pub const V5: Self = Self {
        id: "5",
        enforce_key_validity: true,
        ..Self::V4
    };
    pub const V6: Self = Self {
        id: "6",
        redaction: RedactionRules {
            keep_aliases: false,
            ..Self::V5.redaction
        },
        special_case_aliases_auth: false,
        strict_canonical_json: true,
        notifications_power_level: true,
        ..Self::V5
    };
    pub const V7: Self = Self {
        id: "7",
        knocking: true,
        ..Self::V6
    };
    pub const V8: Self = Self {
        id: "8",
        restricted_joins: true,
        redaction: RedactionRules {
            keep_join_rules_allow: true,
            ..Self::V7.redaction
        },
        ..Self::V7
    };
    pub const V9: Self = Self {
        id: "9",
        redaction: RedactionRules {
            keep_authorising_user: true,
            ..Self::V8.redaction
        },
        ..Self::V8
    };
    pub const V10: Self = Self {
        id: "10",
        integer_power_levels: true,
        knock_restricted: true,
        ..Self::V9
    };
    pub const V11: Self = Self {
        id: "11",
        redaction: RedactionRules {
            v11: true,
            ..Self::V10.redaction
        },
        creator_is_sender: true,
        redacts_in_content: true,
        ..Self::V10
    };
    pub const V12: Self = Self {
        id: "12",
        state_res: StateResVersion::V2_1,
        room_id_is_create_hash: true,
        privileged_creators: true,
        ..Self::V11
    };

    /// Every room version this server implements, oldest first.
    pub const ALL: [Self; 12] = [
        Self::V1,
        Self::V2,
        Self::V3,
        Self::V4,
        Self::V5,
        Self::V6,
        Self::V7,
        Self::V8,
        Self::V9,
        Self::V10,
        Self::V11,
        Self::V12,
    ];

    /// The room version with identifier `id`, if this server implements it.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_is_found_by_its_id() {
        for (i, version) in RoomVersion::ALL.iter().enumerate() {
            assert_eq!(version.id, (i + 1).to_string());
            assert_eq!(RoomVersion::from_id(version.id), Some(*version));
        }
        assert_eq!(RoomVersion::from_id("13"), None);
        assert_eq!(RoomVersion::from_id("org.matrix.msc0000"), None);
    }

    #[test]
    fn flags_change_where_the_spec_says() {
        // Read through black_box so these stay runtime checks of the table.
        let [v1, _, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12] =
            std::hint::black_box(RoomVersion::ALL);
        assert_eq!(v1.state_res, StateResVersion::V1);
        assert_eq!(v3.event_id_format, EventIdFormat::StandardBase64);
        assert_eq!(v4.event_id_format, EventIdFormat::UrlSafeBase64);
        assert!(v5.special_case_aliases_auth && !v6.special_case_aliases_auth);
        assert!(!v6.knocking && v7.knocking);
        assert!(!v7.redaction.keep_join_rules_allow && v8.redaction.keep_join_rules_allow);
        assert!(!v8.redaction.keep_authorising_user && v9.redaction.keep_authorising_user);
        assert!(!v9.integer_power_levels && v10.integer_power_levels);
        assert!(v11.redacts_in_content && !v10.redacts_in_content);
        assert_eq!(v12.state_res, StateResVersion::V2_1);
    }
}
