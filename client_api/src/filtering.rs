//! Spec module "Filtering": storing and reading filters, and the filter types `/sync` applies.

pub mod define_filter;
pub mod event_fields;
pub mod get_filter;

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the filter handlers need from the engine.
pub trait FilteringPort: Send + Sync + 'static {
    /// Stores `filter` (validated as a [`Filter`]) for `user_id`, which must be the caller
    /// (403 otherwise), and returns its id.
    fn define_filter(
        &self,
        user: &ClientUser,
        user_id: &str,
        filter: Map<String, Value>,
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;

    /// A stored filter as it was defined: 403 for another user's, 404 `M_NOT_FOUND` if unknown.
    fn get_filter(
        &self,
        user: &ClientUser,
        user_id: &str,
        filter_id: &str,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;
}

/// A filter (spec definition `Filter`). Unknown fields are allowed (as in Synapse) and kept in
/// the stored JSON; wrongly typed known fields are 400 `M_BAD_JSON`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Filter {
    /// Properties of room events to include (dot-separated paths; see [`event_fields`]).
    #[serde(default)]
    pub event_fields: Option<Vec<String>>,
    /// `client` or `federation`.
    #[serde(default)]
    pub event_format: Option<EventFormat>,
    /// Presence events.
    #[serde(default)]
    pub presence: Option<EventFilter>,
    /// Global account data.
    #[serde(default)]
    pub account_data: Option<EventFilter>,
    /// Everything about rooms.
    #[serde(default)]
    pub room: Option<RoomFilter>,
}

/// The event format a filter asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFormat {
    /// The client event format.
    Client,
    /// The federation format (the PDU).
    Federation,
}

/// Which rooms and which of their parts (spec definition `RoomFilter`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct RoomFilter {
    /// Rooms to leave out.
    #[serde(default)]
    pub not_rooms: Option<Vec<String>>,
    /// Rooms to include (all if absent).
    #[serde(default)]
    pub rooms: Option<Vec<String>>,
    /// Ephemeral events (typing, receipts).
    #[serde(default)]
    pub ephemeral: Option<EventFilter>,
    /// Whether rooms the user left are included in an initial sync.
    #[serde(default)]
    pub include_leave: Option<bool>,
    /// The `state` section.
    #[serde(default)]
    pub state: Option<EventFilter>,
    /// The timeline.
    #[serde(default)]
    pub timeline: Option<EventFilter>,
    /// Per-room account data.
    #[serde(default)]
    pub account_data: Option<EventFilter>,
}

/// An event filter (spec definitions `EventFilter`, `RoomEventFilter`, `StateFilter`: one type,
/// the room-only fields are ignored where they do not apply).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct EventFilter {
    /// At most this many events.
    #[serde(default)]
    pub limit: Option<u64>,
    /// Senders to leave out.
    #[serde(default)]
    pub not_senders: Option<Vec<String>>,
    /// Types to leave out (`*` is a wildcard).
    #[serde(default)]
    pub not_types: Option<Vec<String>>,
    /// Senders to include (all if absent).
    #[serde(default)]
    pub senders: Option<Vec<String>>,
    /// Types to include (all if absent; `*` is a wildcard).
    #[serde(default)]
    pub types: Option<Vec<String>>,
    /// Rooms to leave out.
    #[serde(default)]
    pub not_rooms: Option<Vec<String>>,
    /// Rooms to include.
    #[serde(default)]
    pub rooms: Option<Vec<String>>,
    /// Only events with (`true`) or without (`false`) a `url` in their content.
    #[serde(default)]
    pub contains_url: Option<bool>,
    /// State: only the member events of the timeline's senders.
    #[serde(default)]
    pub lazy_load_members: Option<bool>,
    /// With lazy loading: send member events the client already has again.
    #[serde(default)]
    pub include_redundant_members: Option<bool>,
    /// Unread notification counts per thread in `unread_thread_notifications`.
    #[serde(default)]
    pub unread_thread_notifications: Option<bool>,
}

impl Filter {
    /// Parses a filter: 400 `M_BAD_JSON` for a wrongly typed field or a malformed room or
    /// user id in a room or sender list (Synapse validates against a JSON schema).
    pub fn from_value(value: Value) -> Result<Self, MatrixError> {
        let filter: Filter =
            serde_json::from_value(value).map_err(|e| MatrixError::bad_json(e.to_string()))?;
        let room = filter.room.clone().unwrap_or_default();
        let room_lists = [&room.rooms, &room.not_rooms]
            .into_iter()
            .chain(event_filters(&filter).flat_map(|f| [&f.rooms, &f.not_rooms]));
        for id in room_lists.flatten().flatten() {
            state_res::ids::check_room_id(id)
                .map_err(|e| MatrixError::bad_json(format!("Invalid room id {id:?}: {e}")))?;
        }
        let sender_lists = event_filters(&filter).flat_map(|f| [&f.senders, &f.not_senders]);
        for id in sender_lists.flatten().flatten() {
            state_res::ids::check_user_id(id)
                .map_err(|e| MatrixError::bad_json(format!("Invalid user id {id:?}: {e}")))?;
        }
        Ok(filter)
    }
}

fn event_filters(filter: &Filter) -> impl Iterator<Item = &EventFilter> {
    let room = filter.room.as_ref();
    [filter.presence.as_ref(), filter.account_data.as_ref()]
        .into_iter()
        .chain(room.map(|r| r.ephemeral.as_ref()))
        .chain(room.map(|r| r.state.as_ref()))
        .chain(room.map(|r| r.timeline.as_ref()))
        .chain(room.map(|r| r.account_data.as_ref()))
        .flatten()
}

impl EventFilter {
    /// Whether an event of `event_type` from `sender` passes (the spec's `types`/`not_types`
    /// with `*` wildcards, `senders`/`not_senders`; exclusions win).
    pub fn allows(&self, event_type: &str, sender: Option<&str>) -> bool {
        let any_type =
            |patterns: &Vec<String>| patterns.iter().any(|p| type_matches(p, event_type));
        if self.not_types.as_ref().is_some_and(any_type) {
            return false;
        }
        if self.types.as_ref().is_some_and(|types| !any_type(types)) {
            return false;
        }
        if let Some(sender) = sender {
            if self
                .not_senders
                .as_ref()
                .is_some_and(|s| s.iter().any(|x| x == sender))
            {
                return false;
            }
            if self
                .senders
                .as_ref()
                .is_some_and(|s| !s.iter().any(|x| x == sender))
            {
                return false;
            }
        }
        true
    }

    /// Whether the filter lets `content` through by `contains_url`.
    pub fn allows_content(&self, content: &Value) -> bool {
        match self.contains_url {
            Some(wanted) => content.get("url").is_some_and(Value::is_string) == wanted,
            None => true,
        }
    }

    /// Whether the room passes `rooms`/`not_rooms`.
    pub fn allows_room(&self, room_id: &str) -> bool {
        allows_room(&self.rooms, &self.not_rooms, room_id)
    }
}

impl RoomFilter {
    /// Whether the room passes `rooms`/`not_rooms`.
    pub fn allows_room(&self, room_id: &str) -> bool {
        allows_room(&self.rooms, &self.not_rooms, room_id)
    }
}

fn allows_room(
    rooms: &Option<Vec<String>>,
    not_rooms: &Option<Vec<String>>,
    room_id: &str,
) -> bool {
    !not_rooms
        .as_ref()
        .is_some_and(|r| r.iter().any(|x| x == room_id))
        && rooms
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == room_id))
}

/// `*` matches any run of characters (spec: "A '*' can be used as a wildcard").
fn type_matches(pattern: &str, event_type: &str) -> bool {
    glob(pattern.as_bytes(), event_type.as_bytes())
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        Some((first, rest)) => text.first() == Some(first) && glob(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{type_matches, EventFilter, Filter};

    #[test]
    fn filter_types_match_with_wildcards() {
        assert!(type_matches("m.room.message", "m.room.message"));
        assert!(type_matches("m.room.*", "m.room.message"));
        assert!(type_matches("*", "anything"));
        assert!(type_matches("m.*.member", "m.room.member"));
        assert!(!type_matches("m.room.*", "m.call.invite"));
        assert!(!type_matches("m.room", "m.room.message"));
        let filter = EventFilter {
            types: Some(vec!["m.room.*".into()]),
            not_types: Some(vec!["m.room.member".into()]),
            not_senders: Some(vec!["@spam:x".into()]),
            ..EventFilter::default()
        };
        assert!(filter.allows("m.room.message", Some("@a:x")));
        assert!(!filter.allows("m.room.member", Some("@a:x")));
        assert!(!filter.allows("m.room.message", Some("@spam:x")));
        assert!(!filter.allows("org.custom", Some("@a:x")));
    }

    #[test]
    fn filters_are_validated() {
        assert!(Filter::from_value(json!({"room": {"timeline": {"limit": 5}}})).is_ok());
        assert!(Filter::from_value(json!({"extra": true})).is_ok());
        for bad in [
            json!({"room": {"timeline": {"limit": "5"}}}),
            json!({"room": {"rooms": ["not a room"]}}),
            json!({"event_format": "xml"}),
            json!({"presence": {"senders": ["nobody"]}}),
            json!({"room": {"timeline": {"types": "m.room.message"}}}),
        ] {
            let errcode = Filter::from_value(bad.clone()).err().map(|e| e.errcode);
            assert_eq!(errcode, Some("M_BAD_JSON"), "{bad}");
        }
    }
}
