//! State resolution in the engine: loads every event the algorithm may read (the state sets'
//! events and their auth chains, from storage) and hands them to `state_res::resolve`; stores a
//! resolved state as a state group (a delta against a parent group).

use std::collections::{HashMap, HashSet};

use client_api::MatrixError;
use state_res::pdu::Pdu;
use state_res::resolve::resolve;
use state_res::room_version::RoomVersion;

use super::head::parse_stored;
use crate::services::internal;
use crate::storage::{Database, StateChange, StateGroupId, StateMap};

/// More events than this in the state sets and their auth chains is refused (a room this large
/// needs the auth chain index first).
const MAX_EVENTS: usize = 200_000;

/// Resolves `states` of `room_id`; one state set (or several equal ones) comes back unchanged.
pub(super) async fn resolve_states(
    db: &Database,
    version: &RoomVersion,
    room_id: &str,
    states: &[StateMap],
) -> Result<StateMap, MatrixError> {
    resolve_states_with(db, version, room_id, states, None).await
}

/// [`resolve_states`] where the states may name `pending`, an event being received and not
/// stored yet.
pub(super) async fn resolve_states_with(
    db: &Database,
    version: &RoomVersion,
    room_id: &str,
    states: &[StateMap],
    pending: Option<&Pdu>,
) -> Result<StateMap, MatrixError> {
    let Some(first) = states.first() else {
        return Ok(StateMap::new());
    };
    if states.iter().all(|state| state == first) {
        return Ok(first.clone());
    }
    let pending_id = pending.map(Pdu::event_id);
    let ids = states
        .iter()
        .flat_map(|state| state.values())
        .filter(|id| Some(id.as_str()) != pending_id)
        .cloned()
        .chain(
            pending
                .into_iter()
                .flat_map(|p| p.auth_events().iter().cloned()),
        );
    let (mut events, rejected) = load_closure(db, version, ids).await?;
    if let Some(pending) = pending {
        events.insert(pending.event_id().to_owned(), pending.clone());
    }
    let source = (|id: &str| events.get(id), |id: &str| rejected.contains(id));
    resolve(version, room_id, states, &source).map_err(|error| {
        tracing::warn!(%error, room_id, "state resolution failed");
        MatrixError::internal(format!("State resolution failed: {error}"))
    })
}

/// The events `ids` and their auth chains, parsed, and which of them were rejected.
async fn load_closure(
    db: &Database,
    version: &RoomVersion,
    ids: impl IntoIterator<Item = String>,
) -> Result<(HashMap<String, Pdu>, HashSet<String>), MatrixError> {
    let mut events: HashMap<String, Pdu> = HashMap::new();
    let mut rejected = HashSet::new();
    let mut seen: HashSet<String> = ids.into_iter().collect();
    let mut frontier: Vec<String> = seen.iter().cloned().collect();
    while !frontier.is_empty() {
        if seen.len() > MAX_EVENTS {
            return Err(MatrixError::internal(
                "The room's state is too large to resolve",
            ));
        }
        let ids: Vec<&str> = frontier.iter().map(String::as_str).collect();
        let stored = db.events_by_ids(&ids).await.map_err(internal)?;
        let mut next = Vec::new();
        for stored in &stored {
            let pdu = parse_stored(stored, version)?;
            for auth in pdu.auth_events() {
                if seen.insert(auth.clone()) {
                    next.push(auth.clone());
                }
            }
            if stored.rejection_reason.is_some() {
                rejected.insert(stored.event_id.clone());
            }
            events.insert(stored.event_id.clone(), pdu);
        }
        frontier = next;
    }
    Ok((events, rejected))
}

/// Stores `state` as a group: a delta against `parent` (whose state is `parent_state`), or a new
/// full snapshot without a parent.
pub(super) async fn store_state(
    db: &Database,
    room_id: &str,
    parent: Option<(StateGroupId, &StateMap)>,
    state: &StateMap,
) -> Result<StateGroupId, MatrixError> {
    let empty = StateMap::new();
    let (group, base) = match parent {
        Some((group, base)) => (Some(group), base),
        None => (None, &empty),
    };
    let mut changes: Vec<StateChange<'_>> = state
        .iter()
        .filter(|(key, event)| base.get(*key) != Some(*event))
        .map(|((kind, key), event)| ((kind.as_str(), key.as_str()), Some(event.as_str())))
        .collect();
    changes.extend(
        base.keys()
            .filter(|key| !state.contains_key(*key))
            .map(|(kind, key)| ((kind.as_str(), key.as_str()), None)),
    );
    if changes.is_empty() {
        if let Some(group) = group {
            return Ok(group);
        }
    }
    db.store_state_snapshot(room_id, group, &changes)
        .await
        .map_err(internal)
}
