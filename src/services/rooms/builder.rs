//! Building a local event: an [`EventTemplate`] (type, state key, content) becomes a signed
//! PDU of the room's version (spec `server-server-api.md` § "PDUs", "Signing events";
//! `rooms/v*.md` § "Event format"):
//!
//! - `room_id` (none on a version 12 create event), `sender`, `origin_server_ts`, `content`,
//!   `state_key` for state events, `origin` where the version still defines it (v1–v10);
//! - `prev_events`: the forward extremities; `depth`: one more than the deepest of them;
//! - `auth_events`: the current state events the auth events selection picks;
//! - v1–v2: a random `$id:server` event id, and `[event_id, {"sha256": …}]` references;
//! - `m.room.redaction` before v11: `redacts` moved from the content to the top level (spec:
//!   clients may send it in the content in every room version);
//! - then the content hash and the server's signature, and the event id from the reference
//!   hash (v3+) by parsing the result as a PDU, which also applies the size limits.

use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::pdu::{sign_event, Pdu, PduError};
use state_res::room_version::{EventIdFormat, RoomVersion};
use state_res::signing::{KeyPair, SigningError};

use super::head::PrevEvent;
use crate::services::secrets::random_string;

const REDACTION: &str = "m.room.redaction";
const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// What a local event says; the builder adds the rest.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct EventTemplate {
    pub(super) event_type: String,
    pub(super) state_key: Option<String>,
    pub(super) content: Object,
}

impl EventTemplate {
    /// A state event.
    pub(super) fn state(event_type: &str, state_key: &str, content: Object) -> Self {
        Self {
            event_type: event_type.to_owned(),
            state_key: Some(state_key.to_owned()),
            content,
        }
    }

    /// A message (non-state) event.
    pub(super) fn message(event_type: &str, content: Object) -> Self {
        Self {
            event_type: event_type.to_owned(),
            state_key: None,
            content,
        }
    }
}

/// Where the event goes and who signs it.
#[derive(Clone, Copy, Debug)]
pub(super) struct BuildContext<'a> {
    pub(super) version: &'a RoomVersion,
    /// `None` only for a version 12 create event.
    pub(super) room_id: Option<&'a str>,
    pub(super) sender: &'a str,
    pub(super) origin: &'a str,
    pub(super) key: &'a KeyPair,
    pub(super) prev_events: &'a [PrevEvent],
    pub(super) auth_events: &'a [&'a Pdu],
    pub(super) origin_server_ts: i64,
}

/// Why an event could not be built.
#[derive(Debug, thiserror::Error)]
pub(super) enum BuildError {
    /// The event breaks the PDU format (too large, a float in the content…).
    #[error(transparent)]
    Format(#[from] PduError),
    /// Hashing or signing failed (the content is not canonical JSON).
    #[error(transparent)]
    Signing(#[from] SigningError),
}

/// Builds and signs the event.
pub(super) fn build(ctx: BuildContext<'_>, template: EventTemplate) -> Result<Pdu, BuildError> {
    let version = ctx.version;
    let mut content = template.content;
    let mut event = Object::new();
    if template.event_type == REDACTION && !version.redacts_in_content {
        if let Some(redacts) = content.remove("redacts") {
            event.insert("redacts".to_owned(), redacts);
        }
    }
    if let Some(room_id) = ctx.room_id {
        event.insert("room_id".to_owned(), json!(room_id));
    }
    event.insert("type".to_owned(), json!(template.event_type));
    if let Some(state_key) = template.state_key {
        event.insert("state_key".to_owned(), json!(state_key));
    }
    event.insert("sender".to_owned(), json!(ctx.sender));
    event.insert("content".to_owned(), Value::Object(content));
    event.insert("origin_server_ts".to_owned(), json!(ctx.origin_server_ts));
    let depth = ctx
        .prev_events
        .iter()
        .map(|prev| prev.depth)
        .max()
        .unwrap_or(0);
    event.insert("depth".to_owned(), json!(depth.saturating_add(1)));
    let pairs = version.event_id_format == EventIdFormat::Random;
    let prev_events = ctx
        .prev_events
        .iter()
        .map(|prev| reference(pairs, &prev.event_id, &prev.hashes));
    event.insert(
        "prev_events".to_owned(),
        Value::Array(prev_events.collect()),
    );
    let auth_events = ctx.auth_events.iter().map(|auth| {
        let hashes = auth.json().get("hashes").cloned().unwrap_or(Value::Null);
        reference(pairs, auth.event_id(), &hashes)
    });
    event.insert(
        "auth_events".to_owned(),
        Value::Array(auth_events.collect()),
    );
    if !version.redaction.v11 {
        event.insert("origin".to_owned(), json!(ctx.origin));
    }
    if pairs {
        let id = format!("${}:{}", random_string(ID_ALPHABET, 18), ctx.origin);
        event.insert("event_id".to_owned(), json!(id));
    }
    sign_event(&mut event, version, ctx.origin, ctx.key)?;
    Ok(Pdu::from_json(event, version)?)
}

/// A `prev_events`/`auth_events` entry: the id (v3+), or `[id, {"sha256": hash}]` (v1–v2).
fn reference(pairs: bool, event_id: &str, hashes: &Value) -> Value {
    if !pairs {
        return json!(event_id);
    }
    let sha256 = hashes.get("sha256").cloned().unwrap_or(Value::Null);
    json!([event_id, {"sha256": sha256}])
}

/// A new room id for room versions 1–11: `!` + 18 random letters + `:` + our server name.
pub(super) fn new_room_id(server_name: &str) -> String {
    format!("!{}:{server_name}", random_string(ID_ALPHABET, 18))
}

#[cfg(test)]
mod tests;
