//! `POST /rooms/{roomId}/upgrade` (client-server API § "Room upgrades", server behaviour),
//! as Synapse does it:
//!
//! 1. the caller must be joined and have the power to send `m.room.tombstone`;
//! 2. a new room: `m.room.create` with `predecessor` (the old room and, before v12, its last
//!    event; v12 may omit `event_id`, and must, as the new room's id is its create event's
//!    hash), the old `type` and `m.federate`; the upgrader's join; the old power levels
//!    (integer levels; v12 creators left out of `users`; the upgrader raised to the level the
//!    copied state needs, restored at the end); join rules, history visibility, guest access,
//!    name, topic, avatar, encryption and server ACL; a space's `m.space.child` events; the
//!    bans;
//! 3. the local aliases move to the new room, with the canonical alias (removed in the old
//!    room); a published room stays published, as the new room;
//! 4. `m.room.tombstone` in the old room, whose power levels then keep ordinary users from
//!    sending and inviting (`events_default` and `invite` at least `max(50, users_default + 1)`).
//!
//! Steps after the new room exists are best effort where Synapse's are (logged, not fatal).

use client_api::room_upgrades::upgrade_room::Request;
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Value};
use state_res::auth::{parse_level, PowerLevel, PowerLevels};
use state_res::canonical_json::Object;
use state_res::ids::check_user_id;
use state_res::room_version::RoomVersion;
use tracing::instrument;

use super::aliases::{may_send_state, CANONICAL_ALIAS};
use super::builder::EventTemplate;
use super::head::RoomHead;
use super::membership::membership_of;
use super::presets::CreationPlan;
use super::{valid_room_id, Rooms};
use crate::services::internal;

const CREATE: &str = "m.room.create";
const POWER_LEVELS: &str = "m.room.power_levels";
const TOMBSTONE: &str = "m.room.tombstone";
const SPACE_CHILD: &str = "m.space.child";

/// The state copied to the new room after the power levels, in this order.
const COPIED_STATE: [&str; 8] = [
    "m.room.join_rules",
    "m.room.history_visibility",
    "m.room.guest_access",
    "m.room.name",
    "m.room.topic",
    "m.room.avatar",
    "m.room.encryption",
    "m.room.server_acl",
];

/// Top-level power level keys holding one level.
const LEVEL_KEYS: [&str; 7] = [
    "ban",
    "kick",
    "redact",
    "invite",
    "events_default",
    "state_default",
    "users_default",
];

impl Rooms {
    /// Upgrades the room; returns the new room's id.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id))]
    pub async fn upgrade_room(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: Request,
    ) -> Result<String, MatrixError> {
        valid_room_id(room_id)?;
        let version = RoomVersion::from_id(&request.new_version).ok_or_else(|| {
            MatrixError::bad_request(
                "M_UNSUPPORTED_ROOM_VERSION",
                format!(
                    "This server does not support room version {}",
                    request.new_version
                ),
            )
        })?;
        for creator in &request.additional_creators {
            check_user_id(creator).map_err(|e| {
                MatrixError::invalid_param(format!("additional_creators: {creator:?}: {e}"))
            })?;
        }
        let sender = user.user_id.as_str();
        // Concurrent upgrades of one room would interleave their alias and tombstone steps.
        let _upgrade = self.upgrades.lock(room_id).await;
        let old = {
            let _lock = self.locks.lock(room_id).await;
            let mut head = self.room_head(room_id).await?;
            if membership_of(&mut head, self, sender).await?.as_deref() != Some("join") {
                return Err(MatrixError::forbidden("You are not in the room"));
            }
            if !may_send_state(self, &mut head, sender, TOMBSTONE).await? {
                return Err(MatrixError::forbidden(
                    "You don't have permission to upgrade the room",
                ));
            }
            OldRoom::read(self, &mut head).await?
        };
        let creators: Vec<&str> = std::iter::once(sender)
            .chain(request.additional_creators.iter().map(String::as_str))
            .collect();
        let plan = old.plan(room_id, sender, &version, &creators);
        let mut plan = plan;
        self.add_member_profiles(&mut plan.events).await?;
        let new_room = self.create_planned(sender, version, plan, None).await?;
        self.move_aliases(sender, room_id, &new_room, old.canonical_alias.as_ref())
            .await?;
        if self
            .database
            .is_room_published(room_id)
            .await
            .map_err(internal)?
        {
            self.publish(&new_room, true).await?;
            self.publish(room_id, false).await?;
        }
        self.retire(sender, room_id, &new_room).await?;
        tracing::info!(%room_id, %new_room, version = version.id, "upgraded room");
        Ok(new_room)
    }

    /// Points the old room's aliases at the new one and moves the canonical alias (failures
    /// to send either canonical alias event are logged).
    async fn move_aliases(
        &self,
        sender: &str,
        old_room: &str,
        new_room: &str,
        canonical_alias: Option<&Object>,
    ) -> Result<(), MatrixError> {
        self.database
            .move_room_aliases(old_room, new_room)
            .await
            .map_err(internal)?;
        let Some(content) = canonical_alias.filter(|c| !c.is_empty()) else {
            return Ok(());
        };
        for (room_id, content) in [(old_room, Object::new()), (new_room, content.clone())] {
            let _lock = self.locks.lock(room_id).await;
            let mut head = self.room_head(room_id).await?;
            let template = EventTemplate::state(CANONICAL_ALIAS, "", content);
            if let Err(error) = self.append(&mut head, sender, template, None).await {
                tracing::warn!(%room_id, error = ?error, "could not move the canonical alias");
            }
        }
        Ok(())
    }

    /// Sends the tombstone and restricts the old room's power levels.
    async fn retire(&self, sender: &str, room_id: &str, new_room: &str) -> Result<(), MatrixError> {
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await?;
        let content = object(json!({
            "body": "This room has been replaced",
            "replacement_room": new_room,
        }));
        let tombstone = EventTemplate::state(TOMBSTONE, "", content);
        self.append(&mut head, sender, tombstone, None).await?;
        let key = (POWER_LEVELS.to_owned(), String::new());
        head.load_events(&self.database, std::slice::from_ref(&key))
            .await?;
        let Some(current) = head.get(POWER_LEVELS, "") else {
            return Ok(());
        };
        let mut levels = current.content().clone();
        let read = |levels: &Object, key: &str, default: i64| {
            levels
                .get(key)
                .and_then(|v| parse_level(&head.version, v))
                .unwrap_or(default)
        };
        let restricted = (read(&levels, "users_default", 0) + 1).max(50);
        let mut changed = false;
        for (key, default) in [("events_default", 0), ("invite", 0)] {
            if read(&levels, key, default) < restricted {
                levels.insert(key.to_owned(), json!(restricted));
                changed = true;
            }
        }
        if changed {
            let template = EventTemplate::state(POWER_LEVELS, "", levels);
            if let Err(error) = self.append(&mut head, sender, template, None).await {
                tracing::warn!(%room_id, error = ?error, "could not restrict the old room");
            }
        }
        Ok(())
    }
}

/// What the new room takes from the old one.
struct OldRoom {
    /// The last event (the `predecessor.event_id`).
    last_event: Option<String>,
    create: Object,
    power_levels: Option<Object>,
    canonical_alias: Option<Object>,
    /// `(type, content)` of the copied state, in order.
    copied: Vec<(&'static str, Object)>,
    /// A space's children: `(state_key, content)` of its `m.space.child` events.
    space_children: Vec<(String, Object)>,
    /// The banned users with their ban event's content.
    bans: Vec<(String, Object)>,
    version: RoomVersion,
}

impl OldRoom {
    async fn read(rooms: &Rooms, head: &mut RoomHead) -> Result<Self, MatrixError> {
        let mut keys: Vec<(String, String)> = [CREATE, POWER_LEVELS, CANONICAL_ALIAS]
            .iter()
            .chain(COPIED_STATE.iter())
            .map(|t| ((*t).to_owned(), String::new()))
            .collect();
        let room_id = head.room_id.clone().unwrap_or_default();
        let bans = rooms
            .database
            .members_with_membership(&room_id, "ban")
            .await
            .map_err(internal)?;
        keys.extend(
            bans.iter()
                .map(|m| ("m.room.member".to_owned(), m.user_id.clone())),
        );
        head.load_events(&rooms.database, &keys).await?;
        // Synapse copies a space's children too.
        let is_space = head
            .get(CREATE, "")
            .and_then(|create| create.content().get("type"))
            .and_then(Value::as_str)
            == Some("m.space");
        let children: Vec<(String, String)> = if is_space {
            head.state
                .keys()
                .filter(|(kind, _)| kind == SPACE_CHILD)
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        head.load_events(&rooms.database, &children).await?;
        let content = |t: &str, k: &str| head.get(t, k).map(|e| e.content().clone());
        let last_event = head
            .prev_events
            .iter()
            .max_by_key(|prev| prev.depth)
            .map(|prev| prev.event_id.clone());
        Ok(Self {
            last_event,
            create: content(CREATE, "").unwrap_or_default(),
            power_levels: content(POWER_LEVELS, ""),
            canonical_alias: content(CANONICAL_ALIAS, ""),
            copied: COPIED_STATE
                .iter()
                .filter_map(|t| content(t, "").map(|c| (*t, c)))
                .collect(),
            space_children: children
                .iter()
                .filter_map(|(_, key)| content(SPACE_CHILD, key).map(|c| (key.clone(), c)))
                .filter(|(_, content)| !content.is_empty())
                .collect(),
            bans: bans
                .iter()
                .filter_map(|m| {
                    content("m.room.member", &m.user_id).map(|c| (m.user_id.clone(), c))
                })
                .collect(),
            version: head.version,
        })
    }

    /// The new room's events.
    fn plan(
        &self,
        old_room: &str,
        sender: &str,
        version: &RoomVersion,
        creators: &[&str],
    ) -> CreationPlan {
        let mut create = Object::new();
        create.insert("room_version".to_owned(), json!(version.id));
        let mut predecessor = Object::new();
        predecessor.insert("room_id".to_owned(), json!(old_room));
        if !version.room_id_is_create_hash {
            if let Some(event_id) = &self.last_event {
                predecessor.insert("event_id".to_owned(), json!(event_id));
            }
        }
        create.insert("predecessor".to_owned(), Value::Object(predecessor));
        for key in ["type", "m.federate"] {
            if let Some(value) = self.create.get(key) {
                create.insert(key.to_owned(), value.clone());
            }
        }
        if !version.creator_is_sender {
            create.insert("creator".to_owned(), json!(sender));
        }
        let additional: Vec<&str> = creators.iter().skip(1).copied().collect();
        if version.privileged_creators && !additional.is_empty() {
            create.insert("additional_creators".to_owned(), json!(additional));
        }

        let mut events = vec![EventTemplate::state(
            "m.room.member",
            sender,
            object(json!({"membership": "join"})),
        )];
        let mut levels = self
            .power_levels
            .as_ref()
            .map(|content| integer_levels(&self.version, content))
            .unwrap_or_default();
        if version.privileged_creators {
            if let Some(Value::Object(users)) = levels.get_mut("users") {
                for creator in creators {
                    users.remove(*creator);
                }
            }
        }
        let final_levels = levels.clone();
        let raised = !version.privileged_creators && self.power_levels.is_some() && {
            let needed = self.needed_level(&levels);
            let current = PowerLevels::from_content(version, &levels).user_level(sender);
            if current < PowerLevel::Finite(needed) {
                let users = levels
                    .entry("users".to_owned())
                    .or_insert_with(|| Value::Object(Object::new()));
                if let Value::Object(users) = users {
                    users.insert(sender.to_owned(), json!(needed));
                }
                true
            } else {
                false
            }
        };
        if self.power_levels.is_some() {
            events.push(EventTemplate::state(POWER_LEVELS, "", levels));
        }
        for (event_type, content) in &self.copied {
            events.push(EventTemplate::state(event_type, "", content.clone()));
        }
        for (state_key, content) in &self.space_children {
            events.push(EventTemplate::state(
                SPACE_CHILD,
                state_key,
                content.clone(),
            ));
        }
        for (user_id, content) in &self.bans {
            let mut ban = object(json!({"membership": "ban"}));
            if let Some(reason) = content.get("reason") {
                ban.insert("reason".to_owned(), reason.clone());
            }
            events.push(EventTemplate::state("m.room.member", user_id, ban));
        }
        if raised {
            events.push(EventTemplate::state(POWER_LEVELS, "", final_levels));
        }
        CreationPlan {
            create_content: create,
            events,
            invitees: Vec::new(),
        }
    }

    /// The level the upgrader needs to send the copied state, space children and bans: the
    /// highest level
    /// among those events' (and the power levels event's own).
    fn needed_level(&self, levels: &Object) -> i64 {
        let version = RoomVersion::V10;
        let parsed = PowerLevels::from_content(&version, levels);
        let finite = |level: PowerLevel| match level {
            PowerLevel::Finite(level) => level,
            PowerLevel::Infinite => i64::MAX,
        };
        let mut needed = finite(parsed.event_level(POWER_LEVELS, true));
        for (event_type, _) in &self.copied {
            needed = needed.max(finite(parsed.event_level(event_type, true)));
        }
        if !self.space_children.is_empty() {
            needed = needed.max(finite(parsed.event_level(SPACE_CHILD, true)));
        }
        if !self.bans.is_empty() {
            needed = needed.max(finite(parsed.ban_level()));
        }
        needed
    }
}

/// The power levels content with every level an integer (v10+ rooms accept nothing else; the
/// old room may be v1–v9 with string levels). Unparsable levels are dropped.
fn integer_levels(version: &RoomVersion, content: &Object) -> Object {
    let mut levels = Object::new();
    for (key, value) in content {
        let converted = if LEVEL_KEYS.contains(&key.as_str()) {
            parse_level(version, value).map(|level| json!(level))
        } else if let (true, Value::Object(map)) = (
            matches!(key.as_str(), "events" | "users" | "notifications"),
            value,
        ) {
            let map: Object = map
                .iter()
                .filter_map(|(k, v)| parse_level(version, v).map(|level| (k.clone(), json!(level))))
                .collect();
            Some(Value::Object(map))
        } else {
            Some(value.clone())
        };
        if let Some(value) = converted {
            levels.insert(key.clone(), value);
        }
    }
    levels
}

fn object(value: Value) -> Object {
    match value {
        Value::Object(object) => object,
        _ => Object::new(),
    }
}

#[cfg(test)]
mod tests;
