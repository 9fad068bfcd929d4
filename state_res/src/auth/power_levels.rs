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

/// A room's power levels with the spec's defaults, read from the power levels content on
/// demand (a room's `users` map can be large; nothing is copied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerLevels<'a> {
    version: RoomVersion,
    /// The `m.room.power_levels` content; `None` without a power levels event.
    content: Option<&'a Object>,
    /// The room creators (see [`room_creators`]).
    creators: Vec<&'a str>,
}

impl<'a> PowerLevels<'a> {
    /// The power levels of a room given its create event and current `m.room.power_levels` event
    /// (if any).
    pub fn from_state(
        version: &RoomVersion,
        create: Option<&'a Pdu>,
        power_levels: Option<&'a Pdu>,
    ) -> Self {
        Self {
            version: *version,
            content: power_levels.map(Pdu::content),
            creators: create.map_or_else(Vec::new, |c| room_creators(version, c)),
        }
    }

    /// Power levels from `m.room.power_levels` content alone (no creators).
    pub fn from_content(version: &RoomVersion, content: &'a Object) -> Self {
        Self {
            version: *version,
            content: Some(content),
            creators: Vec::new(),
        }
    }

    /// The level at `content[key]`, or (also when it does not parse) `default`.
    fn level(&self, key: &str, default: i64) -> i64 {
        self.content
            .and_then(|content| content.get(key))
            .and_then(|value| parse_level(&self.version, value))
            .unwrap_or(default)
    }

    /// The level at `content[map][key]`, if present and parsable.
    fn entry(&self, map: &str, key: &str) -> Option<i64> {
        let value = self.content?.get(map)?.as_object()?.get(key)?;
        parse_level(&self.version, value)
    }

    fn named(&self, key: &str) -> PowerLevel {
        let default = LEVEL_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, d)| *d);
        PowerLevel::Finite(self.level(key, default))
    }

    /// Whether `user_id` is a v12 creator (infinite power).
    pub fn is_privileged_creator(&self, user_id: &str) -> bool {
        self.version.privileged_creators && self.creators.contains(&user_id)
    }

    /// A user's power level: infinite for v12 creators; else `users[user_id]`, else
    /// `users_default`; without a power levels event (v1–v11) 100 for the creator, 0 for others.
    pub fn user_level(&self, user_id: &str) -> PowerLevel {
        if self.is_privileged_creator(user_id) {
            return PowerLevel::Infinite;
        }
        if self.content.is_none() {
            let creator = self.creators.contains(&user_id);
            return PowerLevel::Finite(if creator { 100 } else { 0 });
        }
        let listed = self.entry("users", user_id);
        PowerLevel::Finite(listed.unwrap_or_else(|| self.level("users_default", 0)))
    }

    /// The level needed to send an event of `event_type`: `events[event_type]`, else
    /// `state_default` (50) for state events and `events_default` (0) for others.
    pub fn event_level(&self, event_type: &str, is_state: bool) -> PowerLevel {
        let level = self.entry("events", event_type).unwrap_or_else(|| {
            if is_state {
                self.level("state_default", 50)
            } else {
                self.level("events_default", 0)
            }
        });
        PowerLevel::Finite(level)
    }

    /// `invite` (default 0).
    pub fn invite_level(&self) -> PowerLevel {
        self.named("invite")
    }
    /// `kick` (default 50).
    pub fn kick_level(&self) -> PowerLevel {
        self.named("kick")
    }
    /// `ban` (default 50).
    pub fn ban_level(&self) -> PowerLevel {
        self.named("ban")
    }
    /// `redact` (default 50).
    pub fn redact_level(&self) -> PowerLevel {
        self.named("redact")
    }

    /// The level needed for a notification key such as `room` (`@room`; default 50).
    pub fn notification_level(&self, key: &str) -> PowerLevel {
        // The schema only defines `room`; other keys get the same default.
        let level = self.entry("notifications", key);
        PowerLevel::Finite(level.unwrap_or(NOTIFICATION_DEFAULT))
    }
}

#[cfg(test)]
mod tests;
