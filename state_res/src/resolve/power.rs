//! The sender's power level "when looking at their respective `auth_events`" (spec
//! `v2-state-res.md` § "Reverse topological power ordering").
//!
//! Only the sender's entry is read, not the whole power levels content: this runs once per
//! event being sorted, and power levels events of large rooms list thousands of users.

use super::graph::{Graph, Ix};
use crate::auth::{parse_level, room_creators, PowerLevel};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;

/// The power level of event `ix`'s sender according to the event's own auth events (v12: plus
/// the room's create event, which names the creators and is not among the auth events).
pub(super) fn sender_power(
    graph: &Graph<'_>,
    ix: Ix,
    v12_create: Option<&Pdu>,
    version: &RoomVersion,
) -> PowerLevel {
    let event = graph.event(ix);
    let mut power_levels = None;
    let mut create = v12_create;
    for &auth in graph.auth(ix) {
        let auth_event = graph.event(auth);
        match (auth_event.event_type(), auth_event.state_key()) {
            ("m.room.power_levels", Some("")) => power_levels = Some(auth_event),
            ("m.room.create", Some("")) if create.is_none() => create = Some(auth_event),
            _ => {}
        }
    }
    let creator = create.is_some_and(|c| room_creators(version, c).contains(&event.sender()));
    if creator && version.privileged_creators {
        return PowerLevel::Infinite;
    }
    let Some(power_levels) = power_levels else {
        // No power levels event: the creator has 100, everyone else 0 (auth rules).
        return PowerLevel::Finite(if creator { 100 } else { 0 });
    };
    let content = power_levels.content();
    let level = content
        .get("users")
        .and_then(|users| users.get(event.sender()))
        .and_then(|value| parse_level(version, value))
        .or_else(|| {
            content
                .get("users_default")
                .and_then(|v| parse_level(version, v))
        })
        .unwrap_or(0);
    PowerLevel::Finite(level)
}
