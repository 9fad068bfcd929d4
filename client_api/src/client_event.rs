//! The client format of a room event (spec § "Room event format", definition `client_event`):
//! what handlers answer with wherever the spec returns events.

use serde::Serialize;
use serde_json::{Map, Value};

/// A room event in the format clients see.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientEvent {
    /// The event's content.
    pub content: Value,
    /// The event id.
    pub event_id: String,
    /// When the originating server sent it (ms since the epoch).
    pub origin_server_ts: i64,
    /// The room.
    pub room_id: String,
    /// The sender.
    pub sender: String,
    /// The state key, for state events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_key: Option<String>,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The redacted event of an `m.room.redaction` in room versions 1–10 (top level there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacts: Option<String>,
    /// `age`, `transaction_id` (for the sender's own device) and the like.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub unsigned: Map<String, Value>,
}
