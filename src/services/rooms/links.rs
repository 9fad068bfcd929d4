//! What storing an event records besides the event itself: a member event's membership, the
//! event a redaction redacts, and the event a state event replaces in the state before it.

use serde_json::Value;
use state_res::pdu::Pdu;

use crate::storage::StateMap;

const MEMBER: &str = "m.room.member";
const REDACTION: &str = "m.room.redaction";

/// For an `m.room.member` event, its target's membership.
pub(super) fn membership(pdu: &Pdu) -> Option<&str> {
    (pdu.event_type() == MEMBER)
        .then(|| pdu.content().get("membership").and_then(Value::as_str))
        .flatten()
}

/// For an `m.room.redaction`, the event it redacts.
pub(super) fn redacts(pdu: &Pdu) -> Option<&str> {
    (pdu.event_type() == REDACTION)
        .then(|| pdu.redacts())
        .flatten()
}

/// For a state event, the event at its key in `before` (the state before it).
pub(super) fn replaced_state(pdu: &Pdu, before: &StateMap) -> Option<String> {
    let key = (pdu.event_type().to_owned(), pdu.state_key()?.to_owned());
    before.get(&key).cloned()
}
