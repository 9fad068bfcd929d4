//! The client format of a room event (spec § "Room event format", definition `client_event`):
//! what handlers answer with wherever the spec returns events.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A room event in the format clients see.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientEvent {
    /// The event's content.
    pub content: EventContent,
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

/// An event's `content` as JSON text, served as it is: most events reach clients with their
/// content unchanged from the stored PDU, so it is neither parsed into a tree nor encoded again.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct EventContent(Box<RawValue>);

impl EventContent {
    /// The content of `value` (encoded once here).
    pub fn from_value(value: &Value) -> Self {
        // Encoding a `Value` cannot fail: its keys are strings.
        Self(serde_json::value::to_raw_value(value).unwrap_or_else(|_| empty_object()))
    }

    /// The content as JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The content parsed (`Null` for text that is not JSON, which the constructors rule out).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
}

impl From<Box<RawValue>> for EventContent {
    fn from(raw: Box<RawValue>) -> Self {
        Self(raw)
    }
}

impl Default for EventContent {
    /// `{}`.
    fn default() -> Self {
        Self(empty_object())
    }
}

/// Equal when the JSON values are (whatever the spacing or key order of the text).
impl PartialEq for EventContent {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json() || self.to_value() == other.to_value()
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).expect("{} is JSON")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn raw(text: &str) -> EventContent {
        EventContent::from(RawValue::from_string(text.to_owned()).unwrap())
    }

    #[test]
    fn content_is_written_out_as_it_is_and_compared_as_json() {
        let content = raw(r#"{"b": [1, "\u00e9"], "a": {}}"#);
        let written = serde_json::to_string(&json!({ "content": content })).unwrap();
        assert_eq!(
            written, r#"{"content":{"a":{},"b":[1,"é"]}}"#,
            "through a Value"
        );
        let mut direct = Vec::new();
        serde::Serialize::serialize(&content, &mut serde_json::Serializer::new(&mut direct))
            .unwrap();
        assert_eq!(
            String::from_utf8(direct).unwrap(),
            content.json(),
            "verbatim"
        );
        assert_eq!(content, raw(r#"{"a":{},"b":[1,"é"]}"#), "same JSON value");
        assert_ne!(content, raw(r#"{"a":{},"b":[2,"é"]}"#));
        assert_eq!(EventContent::default().to_value(), json!({}));
        assert_eq!(
            EventContent::from_value(&json!({"x": null})).json(),
            r#"{"x":null}"#
        );
    }
}
