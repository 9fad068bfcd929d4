//! Walks of a room's event graph over stored events, a batch of ids per query
//! (`Database::events_by_ids`): auth chains through `auth_events`, backfill and missing events
//! through `prev_events`. Events of other rooms are never followed; unknown ids end a path.

use std::collections::{BinaryHeap, HashSet};

use client_api::MatrixError;
use serde_json::Value;

use super::super::errors::corrupt;
use super::super::Rooms;
use super::MissingEvents;
use crate::services::internal;
use crate::storage::StoredEvent;

/// The largest auth chain served: a walk past it is an error, not an endless query.
const MAX_AUTH_CHAIN: usize = 250_000;

/// How many events a backfill or missing-events walk may look at per event it returns
/// (rejected events and outliers are walked through, not returned).
const WALK_FACTOR: usize = 10;

/// The event ids `event` lists under `key` (`auth_events` or `prev_events`): plain ids (room
/// v3+) or `[id, hashes]` pairs (v1, v2).
pub(super) fn references(event: &StoredEvent, key: &str) -> Result<Vec<String>, MatrixError> {
    let json: Value = serde_json::from_str(&event.json)
        .map_err(|e| corrupt(format!("event {} is not JSON: {e}", event.event_id)))?;
    let Some(Value::Array(items)) = json.get(key) else {
        return Ok(Vec::new());
    };
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Value::String(id) => Some(id.clone()),
            Value::Array(pair) => pair.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        })
        .collect())
}

/// Whether a walk returns `event` (it is part of the room's DAG as accepted).
fn servable(event: &StoredEvent) -> bool {
    event.rejection_reason.is_none() && !event.outlier
}

impl Rooms {
    /// The stored events of the room among `ids`.
    async fn room_events(
        &self,
        room_id: &str,
        ids: &[String],
    ) -> Result<Vec<StoredEvent>, MatrixError> {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut events = self.database.events_by_ids(&ids).await.map_err(internal)?;
        events.retain(|event| event.room_id == room_id);
        Ok(events)
    }

    /// The auth chain of `from`: their auth events, theirs, and so on, each once, oldest
    /// first; rejected events left out. A `from` event is in it only if another one's chain
    /// reaches it.
    pub(in crate::services::rooms) async fn auth_chain(
        &self,
        room_id: &str,
        from: &[StoredEvent],
    ) -> Result<Vec<StoredEvent>, MatrixError> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut chain = Vec::new();
        let mut next = Vec::new();
        for event in from {
            next.extend(references(event, "auth_events")?);
        }
        loop {
            next.retain(|id| seen.insert(id.clone()));
            if next.is_empty() {
                break;
            }
            if seen.len() > MAX_AUTH_CHAIN {
                return Err(corrupt(format!(
                    "the auth chain in {room_id} exceeds {MAX_AUTH_CHAIN} events"
                )));
            }
            let batch = self.room_events(room_id, &next).await?;
            next.clear();
            for event in batch {
                next.extend(references(&event, "auth_events")?);
                if event.rejection_reason.is_none() {
                    chain.push(event);
                }
            }
        }
        chain.sort_by_key(|event| (event.depth, event.stream_position));
        Ok(chain)
    }

    /// Backfill (Synapse's `_get_backfill_events`): from the `from` events (included), always
    /// taking the deepest event not yet taken and adding its `prev_events`, until `limit`
    /// events; deepest first.
    pub(in crate::services::rooms) async fn backfill_events(
        &self,
        room_id: &str,
        from: &[String],
        limit: usize,
    ) -> Result<Vec<StoredEvent>, MatrixError> {
        let mut seen: HashSet<String> = from.iter().cloned().collect();
        let mut queue: BinaryHeap<Queued> = self
            .room_events(room_id, from)
            .await?
            .into_iter()
            .map(Queued)
            .collect();
        let mut taken = Vec::new();
        let mut budget = limit.saturating_mul(WALK_FACTOR);
        while taken.len() < limit && budget > 0 {
            let Some(Queued(event)) = queue.pop() else {
                break;
            };
            budget -= 1;
            if servable(&event) {
                taken.push(event.clone());
                if taken.len() == limit {
                    break;
                }
            }
            let mut prevs = references(&event, "prev_events")?;
            prevs.retain(|id| seen.insert(id.clone()));
            if !prevs.is_empty() {
                queue.extend(
                    self.room_events(room_id, &prevs)
                        .await?
                        .into_iter()
                        .map(Queued),
                );
            }
        }
        Ok(taken)
    }

    /// Missing events (Synapse's `_get_missing_events`): breadth first from the
    /// `prev_events` of `latest`, never entering `earliest`, skipping (and not walking past)
    /// events below `min_depth`, at most `limit`; oldest first.
    pub(in crate::services::rooms) async fn missing_events(
        &self,
        room_id: &str,
        request: &MissingEvents<'_>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, MatrixError> {
        let mut seen: HashSet<String> = request.earliest.iter().cloned().collect();
        let latest: Vec<String> = request
            .latest
            .iter()
            .filter(|id| seen.insert((*id).clone()))
            .cloned()
            .collect();
        let mut front = self.room_events(room_id, &latest).await?;
        let mut found = Vec::new();
        let mut budget = limit.saturating_mul(WALK_FACTOR);
        while !front.is_empty() && found.len() < limit && budget > 0 {
            let mut prevs = Vec::new();
            for event in &front {
                prevs.extend(references(event, "prev_events")?);
            }
            prevs.retain(|id| seen.insert(id.clone()));
            let mut level = self.room_events(room_id, &prevs).await?;
            level.retain(|event| event.depth >= request.min_depth);
            level.sort_by_key(|event| std::cmp::Reverse((event.depth, event.stream_position)));
            budget = budget.saturating_sub(level.len().max(1));
            for event in level.iter().filter(|event| servable(event)) {
                if found.len() < limit {
                    found.push(event.clone());
                }
            }
            front = level;
        }
        found.sort_by_key(|event| (event.depth, event.stream_position));
        Ok(found)
    }
}

/// An event in the backfill queue, ordered by depth, then stream position.
struct Queued(StoredEvent);

impl Queued {
    fn key(&self) -> (i64, i64) {
        (self.0.depth, self.0.stream_position.0)
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}
