//! The redaction algorithm of every room version (spec `rooms/fragments/v1-redactions.md`,
//! `v6-redactions.md`, `v9-redactions.md`, `v11-redactions.md`; v8's `allow` rule is in
//! `rooms/v8.md`). Used both for redacting events and for the reference hash and signatures,
//! which are computed over the redacted form.

use crate::canonical_json::Object;
use crate::room_version::RoomVersion;
use serde_json::Value;

/// Top-level keys every room version keeps.
const KEPT_TOP_LEVEL: &[&str] = &[
    "event_id",
    "type",
    "room_id",
    "sender",
    "state_key",
    "content",
    "hashes",
    "signatures",
    "depth",
    "prev_events",
    "auth_events",
    "origin_server_ts",
];

/// Top-level keys kept before room version 11.
const KEPT_TOP_LEVEL_BEFORE_V11: &[&str] = &["prev_state", "origin", "membership"];

/// Returns the redacted form of `event` under `version`'s rules.
pub fn redact(event: &Object, version: &RoomVersion) -> Object {
    let rules = version.redaction;
    let mut redacted = Object::new();
    for (key, value) in event {
        let kept = KEPT_TOP_LEVEL.contains(&key.as_str())
            || (!rules.v11 && KEPT_TOP_LEVEL_BEFORE_V11.contains(&key.as_str()));
        if kept && key != "content" {
            redacted.insert(key.clone(), value.clone());
        }
    }
    let event_type = event.get("type").and_then(Value::as_str).unwrap_or("");
    let content = match event.get("content") {
        Some(Value::Object(content)) => redact_content(event_type, content, version),
        _ => Object::new(),
    };
    redacted.insert("content".to_owned(), Value::Object(content));
    redacted
}

/// Returns the content an event of `event_type` keeps after redaction.
pub fn redact_content(event_type: &str, content: &Object, version: &RoomVersion) -> Object {
    let rules = version.redaction;
    if rules.v11 && event_type == "m.room.create" {
        return content.clone();
    }
    let mut kept = keep_keys(content, content_keys(event_type, version));
    if rules.v11 && event_type == "m.room.member" {
        let signed = content
            .get("third_party_invite")
            .and_then(|invite| invite.get("signed"));
        if let Some(signed) = signed {
            let mut invite = Object::new();
            invite.insert("signed".to_owned(), signed.clone());
            kept.insert("third_party_invite".to_owned(), Value::Object(invite));
        }
    }
    kept
}

fn keep_keys(content: &Object, keys: &[&str]) -> Object {
    keys.iter()
        .filter_map(|key| Some(((*key).to_owned(), content.get(*key)?.clone())))
        .collect()
}

fn content_keys(event_type: &str, version: &RoomVersion) -> &'static [&'static str] {
    let rules = version.redaction;
    match event_type {
        "m.room.member" if rules.keep_authorising_user => {
            &["membership", "join_authorised_via_users_server"]
        }
        "m.room.member" => &["membership"],
        "m.room.create" => &["creator"],
        "m.room.join_rules" if rules.keep_join_rules_allow => &["join_rule", "allow"],
        "m.room.join_rules" => &["join_rule"],
        "m.room.power_levels" if rules.v11 => &[
            "ban",
            "events",
            "events_default",
            "invite",
            "kick",
            "redact",
            "state_default",
            "users",
            "users_default",
        ],
        "m.room.power_levels" => &[
            "ban",
            "events",
            "events_default",
            "kick",
            "redact",
            "state_default",
            "users",
            "users_default",
        ],
        "m.room.aliases" if rules.keep_aliases => &["aliases"],
        "m.room.history_visibility" => &["history_visibility"],
        "m.room.redaction" if rules.v11 => &["redacts"],
        _ => &[],
    }
}

#[cfg(test)]
#[path = "redaction/tests.rs"]
mod tests;
