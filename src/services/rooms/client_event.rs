//! Stored events in the client format (client-server API § "Room event format"): the content,
//! ids, sender and timestamps of the PDU, `redacts` at the top level (also in v11+, where the
//! PDU has it in the content), and `unsigned.age`; `unsigned.transaction_id` only for the
//! device that sent it. `serve` adds redactions and replaced state.

use client_api::{ClientEvent, ClientUser, EventContent};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use state_res::canonical_json::Object;

use client_api::MatrixError;

use super::errors::corrupt;
use crate::storage::{EventTransaction, StoredEvent};

/// The stored PDU as a JSON object.
pub(super) fn pdu_json(stored: &StoredEvent) -> Result<Object, MatrixError> {
    serde_json::from_str(&stored.json)
        .map_err(|e| corrupt(format!("event {} is not JSON: {e}", stored.event_id)))
}

/// The parts of a stored PDU the client format takes from its JSON; every other field is
/// skipped unparsed (most of a PDU's bytes: hashes, signatures, auth and prev events), and the
/// content is kept as text.
#[derive(Deserialize)]
struct ClientParts {
    #[serde(default)]
    content: Option<Box<RawValue>>,
    #[serde(default)]
    redacts: Option<Value>,
}

/// `stored` as clients see it (its stored JSON not redacted); `now` in ms since the epoch.
pub(super) fn client_event(stored: &StoredEvent, now: i64) -> Result<ClientEvent, MatrixError> {
    let parts: ClientParts = serde_json::from_str(&stored.json)
        .map_err(|e| corrupt(format!("event {} is not JSON: {e}", stored.event_id)))?;
    let content = parts.content.map(EventContent::from).unwrap_or_default();
    Ok(client_event_from(stored, content, parts.redacts, now))
}

/// `stored` as clients see it, with `json` (the stored PDU, or its redacted form) as its body;
/// `now` in ms since the epoch.
pub(super) fn client_event_of(stored: &StoredEvent, mut json: Object, now: i64) -> ClientEvent {
    let content = json
        .get("content")
        .map(EventContent::from_value)
        .unwrap_or_default();
    client_event_from(stored, content, json.remove("redacts"), now)
}

fn client_event_from(
    stored: &StoredEvent,
    content: EventContent,
    redacts: Option<Value>,
    now: i64,
) -> ClientEvent {
    let mut unsigned = Object::new();
    unsigned.insert(
        "age".to_owned(),
        json!(now.saturating_sub(stored.origin_server_ts).max(0)),
    );
    // v11+ keeps `redacts` in the content; clients written for earlier versions read it at
    // the top level, so it is repeated there (as Synapse does).
    let redacts = redacts
        .or_else(|| {
            (stored.event_type == "m.room.redaction")
                .then(|| content.to_value().get_mut("redacts").map(Value::take))
                .flatten()
        })
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_owned);
    ClientEvent {
        content,
        event_id: stored.event_id.clone(),
        origin_server_ts: stored.origin_server_ts,
        room_id: stored.room_id.clone(),
        sender: stored.sender.clone(),
        state_key: stored.state_key.clone(),
        event_type: stored.event_type.clone(),
        redacts,
        unsigned,
    }
}

/// Adds `unsigned.transaction_id` if `user`'s device sent the event.
pub(super) fn add_transaction_id(
    event: &mut ClientEvent,
    transaction: Option<EventTransaction>,
    user: &ClientUser,
) {
    let Some(transaction) = transaction else {
        return;
    };
    let device_id = user.device_id.as_deref().unwrap_or_default();
    if transaction.user_id == user.user_id && transaction.device_id == device_id {
        event
            .unsigned
            .insert("transaction_id".to_owned(), json!(transaction.txn_id));
    }
}
