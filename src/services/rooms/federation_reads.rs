//! Reading a room for another server (server-server API § "Retrieving events", § "Retrieving
//! event authorisation information", § "Backfilling and retrieving missing events"): one
//! event, the state before an event with its auth chain, an event's auth chain, backfill and
//! missing events. Events go out as PDUs through `serve_pdus` (redactions applied).
//!
//! - [`access`]: whether the requesting server may read the room, and which events it may
//!   not see (history visibility for a server);
//! - [`dag`]: walks of the event graph (auth chains, `prev_events` backwards).
//!
//! Choices: the state "at" an event is the state *before* it, as the spec's response text
//! says ("prior to considering any state changes induced by the requested event") and as
//! Synapse answers. It is the state after the event (`event_state_groups`) with the event's
//! own key put back to the event it replaced (`event_replaces_state`), or removed if it
//! replaced none; this holds for any DAG shape because the state after an accepted state event
//! is the state before it plus that one key. A soft-failed state event (stored as an outlier
//! with the state after it, without the link) gets the resolved state after its prev events,
//! as the receive path computed it. Rejected events are never served as state nor in an auth
//! chain, backfill or missing events (the walks go through them); by id they are served, as
//! Synapse does. Outliers (soft-failed events included) are served by id only.

mod access;
mod dag;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use client_api::MatrixError;
use serde_json::Value;
use state_res::ids::check_event_id;
use tracing::instrument;

use super::resolver::resolve_states;
use super::Rooms;
use crate::services::internal;
use crate::storage::{StateMap, StoredEvent};

/// Most events one `/backfill` returns (Synapse's cap).
const BACKFILL_LIMIT: u64 = 100;
/// Most events one `/get_missing_events` returns (Synapse's cap).
const MISSING_EVENTS_LIMIT: u64 = 20;

/// The state before an event, with its auth chain.
#[derive(Debug)]
pub(crate) struct StateAtEvent {
    /// The state events (none rejected).
    pub(crate) state: Vec<StoredEvent>,
    /// Their auth chain, oldest first.
    pub(crate) auth_chain: Vec<StoredEvent>,
}

/// What `/get_missing_events` asks.
#[derive(Debug)]
pub(crate) struct MissingEvents<'a> {
    /// Events the requester has.
    pub(crate) earliest: &'a [String],
    /// Events whose ancestors it misses.
    pub(crate) latest: &'a [String],
    /// At most this many (capped at 20).
    pub(crate) limit: u64,
    /// Events below this depth are not returned.
    pub(crate) min_depth: i64,
}

fn event_not_found() -> MatrixError {
    MatrixError::not_found("Event not found")
}

impl Rooms {
    /// `GET /event/{eventId}`: the event as a PDU (redacted if history visibility hides it
    /// from `origin`); 404 if unknown, 403 if `origin` may not read its room.
    #[instrument(skip_all, fields(origin, event_id))]
    pub(crate) async fn federation_event(
        &self,
        origin: &str,
        event_id: &str,
    ) -> Result<Value, MatrixError> {
        check_event_id(event_id).map_err(|_| event_not_found())?;
        let event = self
            .database
            .get_event(event_id)
            .await
            .map_err(internal)?
            .ok_or_else(event_not_found)?;
        let access = self.server_access(origin, &event.room_id).await?;
        let events = [event];
        let hidden = self.hidden_from(&access, &events).await?;
        let mut pdus = self.serve_pdus(&events, &hidden).await?;
        pdus.pop().ok_or_else(event_not_found)
    }

    /// `/state_ids` and `/state`: the state before `event_id` and its auth chain.
    #[instrument(skip_all, fields(origin, room_id, event_id))]
    pub(crate) async fn federation_state(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> Result<StateAtEvent, MatrixError> {
        let event = self.room_and_event(origin, room_id, event_id).await?;
        let state = self.state_before_event(&event).await?;
        let ids: Vec<&str> = state.values().map(String::as_str).collect();
        let mut state = self.database.events_by_ids(&ids).await.map_err(internal)?;
        state.retain(|e| e.rejection_reason.is_none() && e.room_id == room_id);
        let auth_chain = self.auth_chain(room_id, &state).await?;
        Ok(StateAtEvent { state, auth_chain })
    }

    /// `/event_auth`: the full auth chain of an event of the room, oldest first.
    #[instrument(skip_all, fields(origin, room_id, event_id))]
    pub(crate) async fn federation_event_auth(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> Result<Vec<Value>, MatrixError> {
        let event = self.room_and_event(origin, room_id, event_id).await?;
        let chain = self.auth_chain(room_id, &[event]).await?;
        self.serve_pdus(&chain, &HashSet::new()).await
    }

    /// `/backfill`: up to `limit` (at most 100) events from `from` backwards through
    /// `prev_events`, the `from` events included, deepest first; events hidden from `origin`
    /// are served redacted.
    #[instrument(skip_all, fields(origin, room_id, limit))]
    pub(crate) async fn federation_backfill(
        &self,
        origin: &str,
        room_id: &str,
        from: &[String],
        limit: u64,
    ) -> Result<Vec<Value>, MatrixError> {
        let access = self.server_access(origin, room_id).await?;
        let limit = usize::try_from(limit.min(BACKFILL_LIMIT)).unwrap_or(0);
        let events = self.backfill_events(room_id, from, limit).await?;
        let hidden = self.hidden_from(&access, &events).await?;
        self.serve_pdus(&events, &hidden).await
    }

    /// `/get_missing_events`: the events before `latest` (excluded) back to `earliest`
    /// (excluded), breadth first, at or above `min_depth`, at most `limit` (default 10, at
    /// most 20), oldest first; events hidden from `origin` are served redacted.
    #[instrument(skip_all, fields(origin, room_id))]
    pub(crate) async fn federation_missing_events(
        &self,
        origin: &str,
        room_id: &str,
        request: &MissingEvents<'_>,
    ) -> Result<Vec<Value>, MatrixError> {
        let access = self.server_access(origin, room_id).await?;
        let limit = usize::try_from(request.limit.min(MISSING_EVENTS_LIMIT)).unwrap_or(0);
        let events = self.missing_events(room_id, request, limit).await?;
        let hidden = self.hidden_from(&access, &events).await?;
        self.serve_pdus(&events, &hidden).await
    }

    /// An event of the room, once `origin` is known to read the room: 404 for an unknown
    /// event or one of another room.
    async fn room_and_event(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> Result<StoredEvent, MatrixError> {
        self.server_access(origin, room_id).await?;
        check_event_id(event_id).map_err(|_| event_not_found())?;
        let event = self
            .database
            .get_event(event_id)
            .await
            .map_err(internal)?
            .filter(|event| event.room_id == room_id)
            .ok_or_else(event_not_found)?;
        Ok(event)
    }

    /// The state before `event` (see the module docs); 404 if no state is known at it (an
    /// outlier).
    pub(in crate::services::rooms) async fn state_before_event(
        &self,
        event: &StoredEvent,
    ) -> Result<StateMap, MatrixError> {
        let db = &self.database;
        let group = db
            .event_state_group(&event.event_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| MatrixError::not_found("No state is known at this event"))?;
        let mut state = db.load_state(group).await.map_err(internal)?;
        let Some(state_key) = &event.state_key else {
            return Ok(state);
        };
        let key = (event.event_type.clone(), state_key.clone());
        if state.get(&key) != Some(&event.event_id) {
            // A rejected state event did not change the state.
            return Ok(state);
        }
        let replaced = db
            .replaced_states(&[event.event_id.as_str()])
            .await
            .map_err(internal)?;
        match replaced.into_iter().next() {
            Some(link) => {
                state.insert(key, link.linked.event_id);
            }
            // A soft-failed event (stored as an outlier with the state after it) has no
            // recorded link: its state before is the resolved state after its prev events.
            None if event.outlier => return self.state_after_prevs(event).await,
            None => {
                state.remove(&key);
            }
        }
        Ok(state)
    }

    /// The resolution of the states after `event`'s prev events (as the receive path
    /// computed the state before it); 404 if none of them has a known state.
    async fn state_after_prevs(&self, event: &StoredEvent) -> Result<StateMap, MatrixError> {
        let no_state = || MatrixError::not_found("No state is known at this event");
        let db = &self.database;
        let mut states = Vec::new();
        for prev in dag::references(event, "prev_events")? {
            if let Some(group) = db.event_state_group(&prev).await.map_err(internal)? {
                states.push(db.load_state(group).await.map_err(internal)?);
            }
        }
        if states.is_empty() {
            return Err(no_state());
        }
        let version = self
            .known_version(&event.room_id)
            .await
            .map_err(|_| no_state())?;
        resolve_states(db, &version, &event.room_id, &states).await
    }
}
