//! Power levels as the authorization rules read them: `m.room.power_levels` content parsed per
//! room version, with the spec's defaults (`m.room.power_levels` schema) and the room creators.
//!
//! - v1–v9: a level may be a string holding an integer (`rooms/fragments/v1-stringy-power-levels.md`:
//!   optional surrounding whitespace, one optional sign, base-10 digits with leading zeroes).
//! - v1–v5: a level may be a float, truncated (`rooms/fragments/v1-floaty-power-levels.md`); these
//!   versions are the ones without strict canonical JSON.
//! - v10+: only JSON integers (`rooms/v10.md` § "Values in `m.room.power_levels` events must be
//!   integers").
//! - v1–v11 without a power levels event: the creator has 100, everyone else 0. v12: the creators
//!   (create `sender` plus `additional_creators`) have infinite power, always.
//!
//! Reading the room's current power levels is lenient (a value that does not parse counts as
//! absent); the power levels event being authorised is held to the rules in `power_change.rs`.

use crate::canonical_json::{number_as_int, Object};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A power level: an integer, or the infinite level of a room version 12 creator.
///
/// Ordered: every finite level is below `Infinite`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PowerLevel {
    Finite(i64),
    Infinite,
}

impl fmt::Display for PowerLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PowerLevel::Finite(level) => write!(f, "{level}"),
            PowerLevel::Infinite => f.write_str("infinite"),
        }
    }
}

impl From<i64> for PowerLevel {
    fn from(level: i64) -> Self {
        PowerLevel::Finite(level)
    }
}

/// The keys holding single levels, with their defaults (schema `m.room.power_levels`).
pub(super) const LEVEL_KEYS: [(&str, i64); 7] = [
    ("users_default", 0),
    ("events_default", 0),
    ("state_default", 50),
    ("ban", 50),
    ("redact", 50),
    ("kick", 50),
    ("invite", 0),
];

/// The default level of a notification key (schema: `room`, for `@room` mentions, is 50).
const NOTIFICATION_DEFAULT: i64 = 50;

/// Parses one power level value as `version` allows; `None` if it is not a valid level.
pub fn parse_level(version: &RoomVersion, value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => {
            if let Some(level) = number.as_i64() {
                Some(level)
            } else if version.strict_canonical_json {
                // v6+: integers only; canonical JSON admits `1e2`-style integers.
                number_as_int(number).ok()
            } else if number.is_u64() {
                Some(i64::MAX)
            } else {
                // v1–v5 floats: truncate at the decimal point; the cast saturates.
                number
                    .as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            }
        }
        Value::String(text) if !version.integer_power_levels => parse_level_string(text),
        _ => None,
    }
}

/// A stringy power level (v1–v9): whitespace, one optional `+`/`-`, then decimal digits.
/// Values beyond the `i64` range saturate.
fn parse_level_string(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |acc, b| {
        acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    });
    Some(if negative { -magnitude } else { magnitude })
}

/// The room creators named by a create event: `content.creator` (v1–v10), the `sender` (v11), the
/// `sender` plus `content.additional_creators` (v12).
pub fn room_creators<'a>(version: &RoomVersion, create: &'a Pdu) -> Vec<&'a str> {
    if !version.creator_is_sender {
        return create
            .content()
            .get("creator")
            .and_then(Value::as_str)
            .into_iter()
            .collect();
    }
    let mut creators = vec![create.sender()];
    if version.privileged_creators {
        let additional = create
            .content()
            .get("additional_creators")
            .and_then(Value::as_array);
        for creator in additional.into_iter().flatten().filter_map(Value::as_str) {
            if !creators.contains(&creator) {
                creators.push(creator);
            }
        }
    }
    creators
}

/// A room's power levels with the defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerLevels {
    users: BTreeMap<String, i64>,
    users_default: i64,
    events: BTreeMap<String, i64>,
    events_default: i64,
    state_default: i64,
    ban: i64,
    redact: i64,
    kick: i64,
    invite: i64,
    notifications: BTreeMap<String, i64>,
    /// v12 creators, whose level is infinite.
    infinite: Vec<String>,
}

impl PowerLevels {
    /// The power levels of a room given its create event and current `m.room.power_levels` event
    /// (if any).
    pub fn from_state(
        version: &RoomVersion,
        create: Option<&Pdu>,
        power_levels: Option<&Pdu>,
    ) -> Self {
        let creators = create.map_or_else(Vec::new, |c| room_creators(version, c));
        let mut levels = match power_levels {
            Some(event) => Self::from_content(version, event.content()),
            None => {
                let mut levels = Self::from_content(version, &Object::new());
                if !version.privileged_creators {
                    // v1–v11 without a power levels event: the creator has 100.
                    for creator in &creators {
                        levels.users.insert((*creator).to_owned(), 100);
                    }
                }
                levels
            }
        };
        if version.privileged_creators {
            levels.infinite = creators.into_iter().map(str::to_owned).collect();
        }
        levels
    }

    /// Power levels from `m.room.power_levels` content alone (no creators). Values that do not
    /// parse for `version` are ignored, so the defaults apply.
    pub fn from_content(version: &RoomVersion, content: &Object) -> Self {
        let level = |key: &str, default: i64| {
            content
                .get(key)
                .and_then(|v| parse_level(version, v))
                .unwrap_or(default)
        };
        let map = |key: &str| -> BTreeMap<String, i64> {
            content
                .get(key)
                .and_then(Value::as_object)
                .map(|object| {
                    object
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), parse_level(version, v)?)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let [users_default, events_default, state_default, ban, redact, kick, invite] =
            LEVEL_KEYS.map(|(key, default)| level(key, default));
        Self {
            users: map("users"),
            users_default,
            events: map("events"),
            events_default,
            state_default,
            ban,
            redact,
            kick,
            invite,
            notifications: map("notifications"),
            infinite: Vec::new(),
        }
    }

    /// Whether `user_id` is a v12 creator (infinite power).
    pub fn is_privileged_creator(&self, user_id: &str) -> bool {
        self.infinite.iter().any(|c| c == user_id)
    }

    /// A user's power level: infinite for v12 creators, else `users[user_id]`, else
    /// `users_default`.
    pub fn user_level(&self, user_id: &str) -> PowerLevel {
        if self.is_privileged_creator(user_id) {
            return PowerLevel::Infinite;
        }
        PowerLevel::Finite(
            self.users
                .get(user_id)
                .copied()
                .unwrap_or(self.users_default),
        )
    }

    /// The level needed to send an event of `event_type`: `events[event_type]`, else
    /// `state_default` for state events and `events_default` for others.
    pub fn event_level(&self, event_type: &str, is_state: bool) -> PowerLevel {
        let default = if is_state {
            self.state_default
        } else {
            self.events_default
        };
        PowerLevel::Finite(self.events.get(event_type).copied().unwrap_or(default))
    }

    pub fn invite_level(&self) -> PowerLevel {
        PowerLevel::Finite(self.invite)
    }
    pub fn kick_level(&self) -> PowerLevel {
        PowerLevel::Finite(self.kick)
    }
    pub fn ban_level(&self) -> PowerLevel {
        PowerLevel::Finite(self.ban)
    }
    pub fn redact_level(&self) -> PowerLevel {
        PowerLevel::Finite(self.redact)
    }

    /// The level needed for a notification key such as `room` (`@room`; default 50).
    pub fn notification_level(&self, key: &str) -> PowerLevel {
        // The schema only defines `room`; other keys get the same default.
        let level = self.notifications.get(key).copied();
        PowerLevel::Finite(level.unwrap_or(NOTIFICATION_DEFAULT))
    }
}

#[cfg(test)]
mod tests;
