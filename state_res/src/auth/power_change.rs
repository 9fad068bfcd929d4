//! Rule 9 (v1–v5: 10; v12: 10): `m.room.power_levels`. Clause numbers are those of
//! `rooms/v10.md` (v10–v11); v1–v9 lack 9.1–9.2 (so their 10.1/9.1 is 9.3 here), v12 adds 10.4
//! (creators) and shifts the rest by one.
//!
//! The new content is validated in every version: v10+ as the spec says (integers only); v1–v9
//! also for the single levels, `events` and `notifications`, where the spec only validates
//! `users` but Synapse fails on any value that is not an integer (`int(v)`), and the stringy and
//! floaty fragments define which values are levels.

use super::power_levels::{parse_level, room_creators, PowerLevel, LEVEL_KEYS};
use super::AuthError;
use crate::canonical_json::Object;
use crate::ids::check_user_id;
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) fn check_power_levels(
    version: &RoomVersion,
    event: &Pdu,
    current: Option<&Pdu>,
    create: &Pdu,
    sender: PowerLevel,
) -> Result<(), AuthError> {
    let new = event.content();
    validate(version, new)?;
    // v12 10.4: If the users property in content contains the sender of the m.room.create event
    // or any of the additional_creators array (if present), reject.
    if version.privileged_creators {
        let users = new.get("users").and_then(Value::as_object);
        for creator in room_creators(version, create) {
            if users.is_some_and(|users| users.contains_key(creator)) {
                return Err(AuthError::PowerLevelsListsCreator(creator.to_owned()));
            }
        }
    }
    // 9.4: If there is no previous m.room.power_levels event in the room, allow.
    let Some(current) = current else {
        return Ok(());
    };
    let old = current.content();
    let level =
        |content: &Object, key: &str| content.get(key).and_then(|v| parse_level(version, v));
    // 9.5: For users_default, events_default, state_default, ban, redact, kick, invite: for each
    // alteration, if the current value or the new value is higher than the sender's, reject.
    for (key, _) in LEVEL_KEYS {
        check_entry(key.to_owned(), level(old, key), level(new, key), sender)?;
    }
    // 9.6–9.7 (v6+: events and notifications; v1–v5: events).
    let mut maps = vec!["events"];
    if version.notifications_power_level {
        maps.push("notifications");
    }
    for map in maps {
        let (old_map, new_map) = (levels_map(version, old, map), levels_map(version, new, map));
        for key in keys_of(&old_map, &new_map) {
            let (old, new) = (find(&old_map, key), find(&new_map, key));
            check_entry(format!("{map}.{key}"), old, new, sender)?;
        }
    }
    // 9.8–9.9: users.
    let (old_users, new_users) = (
        levels_map(version, old, "users"),
        levels_map(version, new, "users"),
    );
    for user_id in keys_of(&old_users, &new_users) {
        let (old, new) = (find(&old_users, user_id), find(&new_users, user_id));
        check_user_entry(user_id, old, new, event.sender(), sender)?;
    }
    // 9.10: Otherwise, allow.
    Ok(())
}

/// 9.8–9.9 for one entry of `users`.
fn check_user_entry(
    user_id: &str,
    old: Option<i64>,
    new: Option<i64>,
    event_sender: &str,
    sender: PowerLevel,
) -> Result<(), AuthError> {
    if old == new {
        return Ok(());
    }
    // 9.8.1: For each entry being changed in, or removed from, users, other than the sender's
    // own entry: if the current value is greater than or equal to the sender's current power
    // level, reject.
    if let Some(current) = old.map(PowerLevel::Finite) {
        if user_id != event_sender && current >= sender {
            return Err(AuthError::UserLevelNotBelowSender {
                user_id: user_id.to_owned(),
                current,
                sender,
            });
        }
    }
    // 9.9.1: For each entry being added to, or changed in, users: if the new value is greater
    // than the sender's current power level, reject.
    if let Some(new) = new.map(PowerLevel::Finite) {
        if new > sender {
            let key = format!("users.{user_id}");
            return Err(AuthError::NewLevelAboveSender { key, new, sender });
        }
    }
    Ok(())
}

/// 9.5 and 9.6–9.7 for one entry: if it was added, changed or removed, neither its current nor
/// its new value may be above the sender's level.
fn check_entry(
    key: String,
    old: Option<i64>,
    new: Option<i64>,
    sender: PowerLevel,
) -> Result<(), AuthError> {
    if old == new {
        return Ok(());
    }
    if let Some(current) = old.map(PowerLevel::Finite) {
        if current > sender {
            return Err(AuthError::CurrentLevelAboveSender {
                key,
                current,
                sender,
            });
        }
    }
    if let Some(new) = new.map(PowerLevel::Finite) {
        if new > sender {
            return Err(AuthError::NewLevelAboveSender { key, new, sender });
        }
    }
    Ok(())
}

/// The parsable entries of the object at `content[key]` (empty if absent or not an object).
fn levels_map<'c>(version: &RoomVersion, content: &'c Object, key: &str) -> Vec<(&'c str, i64)> {
    content
        .get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str(), parse_level(version, v)?)))
        .collect()
}

fn keys_of<'c>(old: &[(&'c str, i64)], new: &[(&'c str, i64)]) -> BTreeSet<&'c str> {
    old.iter().chain(new).map(|(k, _)| *k).collect()
}

fn find(map: &[(&str, i64)], key: &str) -> Option<i64> {
    map.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// 9.1–9.3: the shape of the new content.
fn validate(version: &RoomVersion, content: &Object) -> Result<(), AuthError> {
    // 9.1: If any of users_default, events_default, state_default, ban, redact, kick, or invite
    // are present and not an integer, reject.
    for (key, _) in LEVEL_KEYS {
        if content
            .get(key)
            .is_some_and(|v| parse_level(version, v).is_none())
        {
            return Err(AuthError::PowerLevelNotInteger {
                key: key.to_owned(),
            });
        }
    }
    // 9.2: If either of events or notifications are present and not an object with values
    // that are integers, reject. (`notifications` only matters from v6 on.)
    let mut maps = vec!["events"];
    if version.notifications_power_level {
        maps.push("notifications");
    }
    for map in maps {
        if let Some(value) = content.get(map) {
            let object = value
                .as_object()
                .ok_or(AuthError::PowerLevelsNotObject(map))?;
            for (key, level) in object {
                if parse_level(version, level).is_none() {
                    let key = format!("{map}.{key}");
                    return Err(AuthError::PowerLevelNotInteger { key });
                }
            }
        }
    }
    // 9.3: If users is not an object with keys that are valid user IDs with values that are
    // integers (v1–v9: or a string that is an integer), reject.
    if let Some(users) = content.get("users") {
        let users = users
            .as_object()
            .ok_or(AuthError::PowerLevelsNotObject("users"))?;
        for (user_id, level) in users {
            if check_user_id(user_id).is_err() {
                return Err(AuthError::PowerLevelsInvalidUserId(user_id.clone()));
            }
            if parse_level(version, level).is_none() {
                let key = format!("users.{user_id}");
                return Err(AuthError::PowerLevelNotInteger { key });
            }
        }
    }
    Ok(())
}
