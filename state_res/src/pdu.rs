//! The persistent data unit (PDU): the format of room events as servers exchange them, checked on
//! parse, with the content hash, reference hash and event id of every room version.
//!
//! Size limits (spec `client-server-api` § "Size limits"): the whole event in canonical JSON is at
//! most 65,536 bytes; `sender`, `room_id` and `event_id` follow their identifier limits (255 bytes);
//! `state_key` and `type` are at most 255 bytes.

mod hashes;
mod parse;

pub use hashes::{
    check_content_hash, compute_content_hash, event_id_for, reference_hash, room_id_for_create,
    sign_event, HashError,
};
pub use parse::PduError;

use crate::canonical_json::Object;
use crate::room_version::RoomVersion;
use serde_json::Value;

/// Largest PDU, as canonical JSON, in bytes.
pub const MAX_PDU_BYTES: usize = 65_536;
/// Largest `type` and `state_key`, in bytes.
pub const MAX_KEY_BYTES: usize = 255;

/// A PDU whose format has been checked for its room version.
///
/// The fields the protocol reasons about are parsed once; the full JSON is kept for hashing,
/// signing, redaction and serving.
#[derive(Debug, Clone, PartialEq)]
pub struct Pdu {
    event_id: String,
    room_id: String,
    sender: String,
    event_type: String,
    state_key: Option<String>,
    prev_events: Vec<String>,
    auth_events: Vec<String>,
    depth: i64,
    origin_server_ts: i64,
    redacts: Option<String>,
    json: Object,
}

impl Pdu {
    /// Checks `json` against the PDU format of `version` and computes its event id (for v3+) or
    /// takes it from the event (v1, v2).
    pub fn from_json(json: Object, version: &RoomVersion) -> Result<Self, PduError> {
        parse::parse(json, version)
    }

    /// Parses PDU bytes received over the network, holding them to the room version's JSON rules
    /// (strict canonical JSON from v6 on).
    pub fn from_bytes(bytes: &[u8], version: &RoomVersion) -> Result<Self, PduError> {
        parse::parse_bytes(bytes, version)
    }

    pub fn event_id(&self) -> &str {
        &self.event_id
    }
    /// The room id; for a v12 create event, the id derived from its reference hash.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }
    pub fn sender(&self) -> &str {
        &self.sender
    }
    pub fn event_type(&self) -> &str {
        &self.event_type
    }
    pub fn state_key(&self) -> Option<&str> {
        self.state_key.as_deref()
    }
    pub fn is_state(&self) -> bool {
        self.state_key.is_some()
    }
    pub fn prev_events(&self) -> &[String] {
        &self.prev_events
    }
    pub fn auth_events(&self) -> &[String] {
        &self.auth_events
    }
    pub fn depth(&self) -> i64 {
        self.depth
    }
    pub fn origin_server_ts(&self) -> i64 {
        self.origin_server_ts
    }
    /// The redacted event id of an `m.room.redaction` (top-level before v11, in content after).
    pub fn redacts(&self) -> Option<&str> {
        self.redacts.as_deref()
    }
    /// The event's content (always an object once parsed).
    pub fn content(&self) -> &Object {
        static EMPTY: std::sync::OnceLock<Object> = std::sync::OnceLock::new();
        match self.json.get("content") {
            Some(Value::Object(content)) => content,
            _ => EMPTY.get_or_init(Object::new),
        }
    }
    /// The full event JSON as received or built (v3+ events carry no `event_id` key).
    pub fn json(&self) -> &Object {
        &self.json
    }
    /// Consumes the PDU, returning its JSON.
    pub fn into_json(self) -> Object {
        self.json
    }
}

#[cfg(test)]
mod tests;
