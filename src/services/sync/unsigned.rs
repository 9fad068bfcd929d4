//! `unsigned.replaces_state` and `unsigned.prev_content` on a timeline's state events (as
//! Synapse sends them): the state event each one replaced, found by walking the timeline from
//! the state before it.

use std::collections::HashMap;

use client_api::{ClientEvent, MatrixError};
use serde_json::json;

use super::timeline::content;
use crate::services::internal;
use crate::storage::{Database, StateMap, StoredEvent};

/// Adds the fields to `clients` (the client forms of `events`, same order); `before` is the
/// room state before the first event.
pub(super) async fn add_replaced_state(
    database: &Database,
    before: &StateMap,
    events: &[StoredEvent],
    clients: &mut [ClientEvent],
) -> Result<(), MatrixError> {
    let mut overlay: HashMap<(&str, &str), &str> = HashMap::new();
    let mut replaced: Vec<(usize, String)> = Vec::new();
    for (index, event) in events.iter().enumerate() {
        let Some(state_key) = event.state_key.as_deref() else {
            continue;
        };
        let key = (event.event_type.as_str(), state_key);
        let previous = overlay.get(&key).map(|id| (*id).to_owned()).or_else(|| {
            before
                .get(&(event.event_type.clone(), state_key.to_owned()))
                .cloned()
        });
        if let Some(previous) = previous {
            replaced.push((index, previous));
        }
        overlay.insert(key, &event.event_id);
    }
    if replaced.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = replaced.iter().map(|(_, id)| id.as_str()).collect();
    let previous: HashMap<String, StoredEvent> = database
        .events_by_ids(&ids)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|event| (event.event_id.clone(), event))
        .collect();
    for (index, previous_id) in replaced {
        let Some(client) = clients.get_mut(index) else {
            continue;
        };
        if let Some(event) = previous.get(&previous_id) {
            client
                .unsigned
                .insert("prev_content".to_owned(), content(event));
            client
                .unsigned
                .insert("prev_sender".to_owned(), json!(event.sender));
        }
        client
            .unsigned
            .insert("replaces_state".to_owned(), json!(previous_id));
    }
    Ok(())
}
