//! A room's tip as the next local event sees it: the room version, the current state (event
//! ids, plus the parsed events the auth rules read, loaded on demand) and the forward
//! extremities with their depths. Only used under the room's write lock, so it cannot go stale
//! between reading the tip and persisting the event built on it.

use std::collections::HashMap;

use client_api::MatrixError;
use serde_json::Value;
use state_res::canonical_json::Object;
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use super::errors::corrupt;
use crate::services::internal;
use crate::storage::{Database, StateGroupId, StateMap, StoredEvent};

/// A forward extremity: the next event's `prev_events` entry.
#[derive(Clone, Debug)]
pub(super) struct PrevEvent {
    pub(super) event_id: String,
    pub(super) depth: i64,
    /// The event's `hashes` (room versions 1 and 2 reference events with them).
    pub(super) hashes: Value,
}

/// The tip of a room.
#[derive(Clone, Debug)]
pub(super) struct RoomHead {
    /// The room id; `None` before a version 12 room's create event (its hash names the room).
    pub(super) room_id: Option<String>,
    pub(super) version: RoomVersion,
    /// The current state; `None` before the create event.
    pub(super) state_group: Option<StateGroupId>,
    pub(super) state: StateMap,
    pub(super) prev_events: Vec<PrevEvent>,
    /// Parsed state events, by `(type, state_key)`.
    events: HashMap<(String, String), Pdu>,
    /// The servers of the joined members in the current state, once read (`outgoing`); a
    /// state event moving the tip forgets them.
    pub(super) joined_servers: Option<Vec<String>>,
    /// The joined, invited and knocking members in the current state, once read (whom a new
    /// event wakes); forgotten as `joined_servers`.
    pub(super) interested_users: Option<Vec<String>>,
}

impl RoomHead {
    /// A room about to be created.
    pub(super) fn new_room(room_id: Option<String>, version: RoomVersion) -> Self {
        Self {
            room_id,
            version,
            state_group: None,
            state: StateMap::new(),
            prev_events: Vec::new(),
            events: HashMap::new(),
            joined_servers: None,
            interested_users: None,
        }
    }

    /// The room's current tip, or `None` for a room this server does not know.
    pub(super) async fn load(db: &Database, room_id: &str) -> Result<Option<Self>, MatrixError> {
        let Some(room) = db.get_room(room_id).await.map_err(internal)? else {
            return Ok(None);
        };
        let version = RoomVersion::from_id(&room.room_version).ok_or_else(|| {
            corrupt(format!(
                "{room_id} has unknown version {}",
                room.room_version
            ))
        })?;
        let group = db
            .room_current_state_group(room_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| corrupt(format!("{room_id} has no current state")))?;
        let state = db.load_state(group).await.map_err(internal)?;
        let extremities = db.forward_extremities(room_id).await.map_err(internal)?;
        let ids: Vec<&str> = extremities.iter().map(String::as_str).collect();
        let prev_events = db
            .events_by_ids(&ids)
            .await
            .map_err(internal)?
            .iter()
            .map(prev_event)
            .collect::<Result<_, _>>()?;
        Ok(Some(Self {
            room_id: Some(room.room_id),
            version,
            state_group: Some(group),
            state,
            prev_events,
            events: HashMap::new(),
            joined_servers: None,
            interested_users: None,
        }))
    }

    /// Whether the database still has this tip: the same current state group and forward
    /// extremities (so a cached copy may be used).
    pub(super) async fn is_current(
        &self,
        db: &Database,
        room_id: &str,
    ) -> Result<bool, MatrixError> {
        let (group, mut extremities) = db.room_tip_ids(room_id).await.map_err(internal)?;
        if group.is_none() || group != self.state_group {
            return Ok(false);
        }
        let mut ours: Vec<&str> = self
            .prev_events
            .iter()
            .map(|p| p.event_id.as_str())
            .collect();
        // Sorted here, not by SQL: PostgreSQL's collation may order them differently.
        extremities.sort_unstable();
        ours.sort_unstable();
        Ok(extremities.iter().map(String::as_str).eq(ours))
    }

    /// Makes the current state events at `keys` available to [`Self::get`].
    pub(super) async fn load_events(
        &mut self,
        db: &Database,
        keys: &[(String, String)],
    ) -> Result<(), MatrixError> {
        let missing: Vec<&str> = keys
            .iter()
            .filter(|key| !self.events.contains_key(*key))
            .filter_map(|key| self.state.get(key).map(String::as_str))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for stored in db.events_by_ids(&missing).await.map_err(internal)? {
            let pdu = parse_stored(&stored, &self.version)?;
            let key = (
                pdu.event_type().to_owned(),
                pdu.state_key().unwrap_or_default().to_owned(),
            );
            self.events.insert(key, pdu);
        }
        Ok(())
    }

    /// A current state event loaded by [`Self::load_events`].
    pub(super) fn get(&self, event_type: &str, state_key: &str) -> Option<&Pdu> {
        self.events
            .get(&(event_type.to_owned(), state_key.to_owned()))
    }

    /// Moves the tip onto `pdu`, persisted with `state_group` as the state after it.
    pub(super) fn advance(&mut self, pdu: Pdu, state_group: StateGroupId) {
        self.room_id = Some(pdu.room_id().to_owned());
        self.state_group = Some(state_group);
        self.prev_events = vec![PrevEvent {
            event_id: pdu.event_id().to_owned(),
            depth: pdu.depth(),
            hashes: pdu.json().get("hashes").cloned().unwrap_or(Value::Null),
        }];
        if let Some(state_key) = pdu.state_key() {
            self.joined_servers = None;
            self.interested_users = None;
            let key = (pdu.event_type().to_owned(), state_key.to_owned());
            self.state.insert(key.clone(), pdu.event_id().to_owned());
            self.events.insert(key, pdu);
        }
    }
}

/// A stored event as a PDU of `version`.
pub(super) fn parse_stored(
    stored: &StoredEvent,
    version: &RoomVersion,
) -> Result<Pdu, MatrixError> {
    let json: Object = serde_json::from_str(&stored.json)
        .map_err(|e| corrupt(format!("event {} is not JSON: {e}", stored.event_id)))?;
    Pdu::from_json(json, version)
        .map_err(|e| corrupt(format!("event {} is not a PDU: {e}", stored.event_id)))
}

fn prev_event(stored: &StoredEvent) -> Result<PrevEvent, MatrixError> {
    let json: Object = serde_json::from_str(&stored.json)
        .map_err(|e| corrupt(format!("event {} is not JSON: {e}", stored.event_id)))?;
    Ok(PrevEvent {
        event_id: stored.event_id.clone(),
        depth: stored.depth,
        hashes: json.get("hashes").cloned().unwrap_or(Value::Null),
    })
}
