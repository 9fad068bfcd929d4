//! Serving stored events a batch at a time: to clients (`/event`, `/state`, `/messages`,
//! `/context`, `/members`) each event in the client format, and
//!
//! - redacted (spec § "Redactions"): an event with an accepted redaction is pruned with the
//!   room version's redaction algorithm (`state_res::redaction`) and carries the redaction in
//!   `unsigned.redacted_because`; the stored JSON stays whole;
//! - for a state event that replaced another: `unsigned.replaces_state`, `prev_sender` and
//!   `prev_content` (the replaced event's content, pruned if it was redacted);
//! - `unsigned.transaction_id` for the device that sent it.
//!
//! Three queries per batch whatever its size, run concurrently: replaced events, redactions,
//! transactions (and the redactions of replaced events, when there are any).
//!
//! To other servers (`serve_pdus`): each event as its stored PDU, pruned by the same
//! redaction rule (or when the requesting server may not see it); one query per batch.

use std::collections::{HashMap, HashSet};

use client_api::{ClientEvent, ClientUser, MatrixError};
use serde_json::{json, Value};
use state_res::redaction::redact;
use state_res::room_version::RoomVersion;

use super::client_event::{add_transaction_id, client_event, client_event_of, pdu_json};
use super::errors::corrupt;
use super::Rooms;
use crate::services::{internal, now_ms};
use crate::storage::{LinkedEvent, StoredEvent};

impl Rooms {
    /// `events` as `user` sees them, in the same order (for any reader of events, `/sync`
    /// included; it does not check visibility).
    pub(crate) async fn serve(
        &self,
        user: &ClientUser,
        events: &[StoredEvent],
    ) -> Result<Vec<ClientEvent>, MatrixError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let db = &self.database;
        let state_ids: Vec<&str> = events
            .iter()
            .filter(|event| event.state_key.is_some())
            .map(|event| event.event_id.as_str())
            .collect();
        let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        let own: Vec<&str> = events
            .iter()
            .filter(|event| event.sender == user.user_id)
            .map(|event| event.event_id.as_str())
            .collect();
        // Independent reads, on separate pooled connections.
        let (replaced, redacted, transactions) = tokio::try_join!(
            db.replaced_states(&state_ids),
            db.redactions_of(&ids),
            db.event_transactions(&own),
        )
        .map_err(internal)?;
        let replaced: HashMap<String, StoredEvent> = replaced
            .into_iter()
            .map(|link| (link.event_id, link.linked))
            .collect();
        let replaced_ids: Vec<&str> = replaced.values().map(|e| e.event_id.as_str()).collect();
        let redacted_replaced = db.redactions_of(&replaced_ids).await.map_err(internal)?;
        let redactions = first_redactions(redacted.into_iter().chain(redacted_replaced));
        let mut transactions: HashMap<String, _> = transactions.into_iter().collect();
        let now = now_ms();
        let mut served = Vec::with_capacity(events.len());
        for event in events {
            let version = Versions::of(self, &event.room_id).await?;
            let mut client = render(event, &redactions, &version, now)?;
            if let Some(old) = replaced.get(&event.event_id) {
                let old_content = render(old, &redactions, &version, now)?.content.to_value();
                let unsigned = &mut client.unsigned;
                unsigned.insert("replaces_state".to_owned(), json!(old.event_id));
                unsigned.insert("prev_sender".to_owned(), json!(old.sender));
                unsigned.insert("prev_content".to_owned(), old_content);
            }
            add_transaction_id(&mut client, transactions.remove(&event.event_id), user);
            served.push(client);
        }
        Ok(served)
    }

    /// One event as `user` sees it.
    pub(super) async fn serve_one(
        &self,
        user: &ClientUser,
        event: StoredEvent,
    ) -> Result<ClientEvent, MatrixError> {
        let mut served = self.serve(user, std::slice::from_ref(&event)).await?;
        served
            .pop()
            .ok_or_else(|| corrupt(format!("event {} was not served", event.event_id)))
    }
}

impl Rooms {
    /// `events` as PDUs for another server (server-server API § "PDUs"), in the same order:
    /// the stored JSON, pruned with the room version's redaction algorithm when the event has
    /// an accepted redaction in its own room or is in `pruned` (events the requesting server
    /// may not see, served redacted so its DAG stays connected).
    pub(crate) async fn serve_pdus(
        &self,
        events: &[StoredEvent],
        pruned: &HashSet<String>,
    ) -> Result<Vec<Value>, MatrixError> {
        let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        let redacted = self.database.redactions_of(&ids).await.map_err(internal)?;
        let redactions = first_redactions(redacted);
        let mut pdus = Vec::with_capacity(events.len());
        for event in events {
            let json = pdu_json(event)?;
            let redact_it =
                pruned.contains(&event.event_id) || own_redaction(event, &redactions).is_some();
            let json = if redact_it {
                redact(&json, &Versions::of(self, &event.room_id).await?)
            } else {
                json
            };
            pdus.push(Value::Object(json));
        }
        Ok(pdus)
    }
}

/// `event` in the client format, redacted if it has a redaction in its own room.
fn render(
    event: &StoredEvent,
    redactions: &HashMap<String, StoredEvent>,
    version: &RoomVersion,
    now: i64,
) -> Result<ClientEvent, MatrixError> {
    let Some(redaction) = own_redaction(event, redactions) else {
        return client_event(event, now);
    };
    let mut client = client_event_of(event, redact(&pdu_json(event)?, version), now);
    let because = client_event(redaction, now)?;
    let because = serde_json::to_value(because).unwrap_or(Value::Null);
    client
        .unsigned
        .insert("redacted_because".to_owned(), because);
    Ok(client)
}

/// The redactions of events by target: the oldest accepted one of each (`links` in stream
/// order, as storage returns them).
fn first_redactions(links: impl IntoIterator<Item = LinkedEvent>) -> HashMap<String, StoredEvent> {
    let mut redactions = HashMap::new();
    for link in links {
        redactions.entry(link.event_id).or_insert(link.linked);
    }
    redactions
}

/// The redaction that applies to `event`: one in the event's own room (a redaction of another
/// room's event never applies).
fn own_redaction<'a>(
    event: &StoredEvent,
    redactions: &'a HashMap<String, StoredEvent>,
) -> Option<&'a StoredEvent> {
    redactions
        .get(&event.event_id)
        .filter(|redaction| redaction.room_id == event.room_id)
}

/// Room versions by room id, cached on the service (a room's version never changes).
struct Versions;

impl Versions {
    async fn of(rooms: &Rooms, room_id: &str) -> Result<RoomVersion, MatrixError> {
        if let Some(version) = rooms.cached_version(room_id) {
            return Ok(version);
        }
        let room = rooms
            .database
            .get_room(room_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| corrupt(format!("event of unknown room {room_id}")))?;
        let version = RoomVersion::from_id(&room.room_version)
            .ok_or_else(|| corrupt(format!("room {room_id} has version {}", room.room_version)))?;
        if let Ok(mut versions) = rooms.versions.lock() {
            versions.insert(room_id.to_owned(), version);
        }
        Ok(version)
    }
}

impl Rooms {
    pub(super) fn cached_version(&self, room_id: &str) -> Option<RoomVersion> {
        self.versions.lock().ok()?.get(room_id).copied()
    }
}
