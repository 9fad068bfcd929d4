//! What `POST /createRoom` sends, in the spec's order (client-server API § "Creation"):
//!
//! 1. `m.room.create` with `creation_content`, the room version and (v1–v10) `creator`; in
//!    v12 a `trusted_private_chat`'s invitees become `additional_creators`;
//! 2. the creator's join;
//! 3. `m.room.power_levels`: Synapse's defaults (the creator at 100 before v12, where creators
//!    are implicit and `m.room.tombstone` needs 150, above `state_default`), the preset's
//!    `invite: 0` for private chats, trusted invitees at 100 before v12, then the client's
//!    `power_level_content_override`; an `initial_state` power levels event replaces all that;
//! 4. `m.room.canonical_alias` with the `room_alias_name` alias (created beforehand);
//! 5. the preset's `m.room.join_rules`, `m.room.history_visibility` and (private chats)
//!    `m.room.guest_access`, each unless `initial_state` sets the same key;
//! 6. `initial_state`, in order;
//! 7. `m.room.name`, `m.room.topic`;
//! 8. the invites (`is_direct` when asked).

use std::collections::HashSet;

use client_api::room_creation::create_room::{Preset, Request, Visibility};
use client_api::MatrixError;
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::ids::check_user_id;
use state_res::room_version::RoomVersion;

use super::builder::EventTemplate;

const POWER_LEVELS: &str = "m.room.power_levels";

/// The events of a new room.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CreationPlan {
    /// The `m.room.create` content.
    pub(super) create_content: Object,
    /// Everything after the create event, in order.
    pub(super) events: Vec<EventTemplate>,
    /// The users invited (step 8).
    pub(super) invitees: Vec<String>,
}

/// Plans a room of `version` created by `creator`, with the canonical alias `alias` (from
/// `room_alias_name`). 400 for what the request cannot ask.
pub(super) fn plan(
    request: &Request,
    creator: &str,
    version: &RoomVersion,
    alias: Option<&str>,
) -> Result<CreationPlan, MatrixError> {
    check_supported(request)?;
    let invitees = invitees(request, creator)?;
    let preset = request.preset.unwrap_or(match request.visibility {
        Some(Visibility::Public) => Preset::PublicChat,
        _ => Preset::PrivateChat,
    });
    let join = object(json!({"membership": "join"}));
    let mut events = vec![EventTemplate::state("m.room.member", creator, join)];
    let levels = power_levels(request, creator, version, preset, &invitees);
    events.push(EventTemplate::state(POWER_LEVELS, "", levels));
    if let Some(alias) = alias {
        let content = object(json!({"alias": alias}));
        events.push(EventTemplate::state("m.room.canonical_alias", "", content));
    }
    events.extend(preset_and_initial_state(request, preset));
    if let Some(name) = &request.name {
        let content = object(json!({"name": name}));
        events.push(EventTemplate::state("m.room.name", "", content));
    }
    if let Some(topic) = &request.topic {
        let content = object(json!({"topic": topic}));
        events.push(EventTemplate::state("m.room.topic", "", content));
    }
    for invitee in &invitees {
        let mut content = object(json!({"membership": "invite"}));
        if request.is_direct {
            content.insert("is_direct".to_owned(), Value::Bool(true));
        }
        events.push(EventTemplate::state("m.room.member", invitee, content));
    }
    let trusted = preset == Preset::TrustedPrivateChat;
    let create_content = create_content(request, creator, version, trusted, &invitees);
    Ok(CreationPlan {
        create_content,
        events,
        invitees,
    })
}

/// 400 for what this server cannot do yet (third-party invites) and an `m.room.create` in
/// the initial state.
fn check_supported(request: &Request) -> Result<(), MatrixError> {
    if !request.invite_3pid.is_empty() {
        return Err(MatrixError::invalid_param(
            "invite_3pid: third-party invites are not supported",
        ));
    }
    if request
        .initial_state
        .iter()
        .any(|e| e.event_type == "m.room.create")
    {
        return Err(MatrixError::invalid_param(
            "initial_state cannot hold m.room.create: use creation_content",
        ));
    }
    Ok(())
}

/// The power levels content: an `initial_state` one as is, else the defaults with the
/// client's override.
fn power_levels(
    request: &Request,
    creator: &str,
    version: &RoomVersion,
    preset: Preset,
    invitees: &[String],
) -> Object {
    let initial = request
        .initial_state
        .iter()
        .find(|e| e.event_type == POWER_LEVELS && e.state_key.is_empty());
    if let Some(event) = initial {
        return event.content.clone();
    }
    let elevated: &[String] = if preset == Preset::TrustedPrivateChat {
        invitees
    } else {
        &[]
    };
    let mut levels = default_power_levels(creator, elevated, version, preset);
    if let Some(overrides) = &request.power_level_content_override {
        levels.extend(overrides.clone());
    }
    levels
}

/// The preset's events (those `initial_state` does not set), then `initial_state` (without the
/// power levels, sent earlier).
fn preset_and_initial_state(request: &Request, preset: Preset) -> Vec<EventTemplate> {
    let initial_keys: HashSet<(&str, &str)> = request
        .initial_state
        .iter()
        .map(|e| (e.event_type.as_str(), e.state_key.as_str()))
        .collect();
    let preset = preset_events(preset)
        .into_iter()
        .filter(|(event_type, _)| !initial_keys.contains(&(*event_type, "")))
        .map(|(event_type, content)| EventTemplate::state(event_type, "", content));
    let initial = request
        .initial_state
        .iter()
        .filter(|e| !(e.event_type == POWER_LEVELS && e.state_key.is_empty()))
        .map(|e| EventTemplate::state(&e.event_type, &e.state_key, e.content.clone()));
    preset.chain(initial).collect()
}

/// The invitees, checked and deduplicated, without the creator.
fn invitees(request: &Request, creator: &str) -> Result<Vec<String>, MatrixError> {
    let mut invitees: Vec<String> = Vec::with_capacity(request.invite.len());
    for user_id in &request.invite {
        check_user_id(user_id).map_err(|error| {
            MatrixError::invalid_param(format!("invite: {user_id:?} is not a user id: {error}"))
        })?;
        if user_id != creator && !invitees.contains(user_id) {
            invitees.push(user_id.clone());
        }
    }
    Ok(invitees)
}

fn create_content(
    request: &Request,
    creator: &str,
    version: &RoomVersion,
    trusted: bool,
    invitees: &[String],
) -> Object {
    let mut content = request.creation_content.clone().unwrap_or_default();
    content.insert("room_version".to_owned(), json!(version.id));
    if !version.creator_is_sender {
        content.insert("creator".to_owned(), json!(creator));
    }
    if version.privileged_creators && trusted && !invitees.is_empty() {
        let mut creators: Vec<Value> = match content.remove("additional_creators") {
            Some(Value::Array(creators)) => creators,
            _ => Vec::new(),
        };
        for invitee in invitees {
            if !creators.iter().any(|c| c.as_str() == Some(invitee)) {
                creators.push(json!(invitee));
            }
        }
        content.insert("additional_creators".to_owned(), Value::Array(creators));
    }
    content
}

/// Synapse's default power levels, with the preset's change and the elevated users.
fn default_power_levels(
    creator: &str,
    elevated: &[String],
    version: &RoomVersion,
    preset: Preset,
) -> Object {
    let mut users = Object::new();
    if !version.privileged_creators {
        users.insert(creator.to_owned(), json!(100));
        for user_id in elevated {
            users.insert(user_id.clone(), json!(100));
        }
    }
    let tombstone = if version.privileged_creators {
        150
    } else {
        100
    };
    let invite = if preset == Preset::PublicChat { 50 } else { 0 };
    object(json!({
        "users": users,
        "users_default": 0,
        "events": {
            "m.room.name": 50,
            "m.room.power_levels": 100,
            "m.room.history_visibility": 100,
            "m.room.canonical_alias": 50,
            "m.room.avatar": 50,
            "m.room.tombstone": tombstone,
            "m.room.server_acl": 100,
            "m.room.encryption": 100,
        },
        "events_default": 0,
        "state_default": 50,
        "ban": 50,
        "kick": 50,
        "redact": 50,
        "invite": invite,
    }))
}

/// The preset's state events (spec table; like Synapse, no guest access event for public
/// chats, where its absence already means `forbidden`).
fn preset_events(preset: Preset) -> Vec<(&'static str, Object)> {
    let join_rule = if preset == Preset::PublicChat {
        "public"
    } else {
        "invite"
    };
    let mut events = vec![
        ("m.room.join_rules", object(json!({"join_rule": join_rule}))),
        (
            "m.room.history_visibility",
            object(json!({"history_visibility": "shared"})),
        ),
    ];
    if preset != Preset::PublicChat {
        events.push((
            "m.room.guest_access",
            object(json!({"guest_access": "can_join"})),
        ));
    }
    events
}

fn object(value: Value) -> Object {
    match value {
        Value::Object(object) => object,
        _ => Object::new(),
    }
}

#[cfg(test)]
mod tests;
