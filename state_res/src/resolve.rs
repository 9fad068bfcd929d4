//! State resolution: v1 (room v1, spec `rooms/v1.md` § "State resolution"), v2 (rooms v2–v11,
//! `rooms/fragments/v2-state-res.md`) and v2.1 (room v12, `rooms/v12.md` § "State resolution",
//! MSC4297).
//!
//! The API is pure: it takes the state sets to resolve and closures to look events up; the engine
//! preloads every event the algorithm can touch (the state sets' events and their auth chains).
//! Internally events are interned to dense indices so that auth chains are bit sets and the
//! orderings compare integers.

mod graph;
mod iterative;
mod ordering;
mod power;
mod strings;
mod v1;
mod v2;

use crate::pdu::Pdu;
use crate::room_version::{RoomVersion, StateResVersion};
use std::collections::BTreeMap;

/// A state key: `(event type, state key)`.
pub type StateKey = (String, String);

/// A room state: which event holds each state key.
pub type StateMap = BTreeMap<StateKey, String>;

/// Why a set of states could not be resolved. Bad input gives one of these, never a panic or an
/// endless loop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("event {0} is not available")]
    MissingEvent(String),
    #[error("auth event {auth_event} of {event} is not available")]
    MissingAuthEvent { event: String, auth_event: String },
    #[error("event {event} belongs to room {found}, not {expected}")]
    WrongRoom {
        event: String,
        expected: String,
        found: String,
    },
    #[error("the auth events form a cycle through {0}")]
    Cycle(String),
    #[error("event {0} in a state set is not a state event")]
    NotAStateEvent(String),
    #[error(
        "event {event} is listed under the state key ({kind}, {state_key}) but is not that state"
    )]
    KeyMismatch {
        event: String,
        kind: String,
        state_key: String,
    },
}

/// Looks events up for state resolution.
pub trait EventSource<'a> {
    /// The event with this id, if the engine has it.
    fn event(&self, event_id: &str) -> Option<&'a Pdu>;
    /// Whether the event was rejected (failed auth against its own auth events). Rejected auth
    /// events are not used in the iterative auth checks.
    fn is_rejected(&self, event_id: &str) -> bool;
}

impl<'a, F, R> EventSource<'a> for (F, R)
where
    F: Fn(&str) -> Option<&'a Pdu>,
    R: Fn(&str) -> bool,
{
    fn event(&self, event_id: &str) -> Option<&'a Pdu> {
        (self.0)(event_id)
    }
    fn is_rejected(&self, event_id: &str) -> bool {
        (self.1)(event_id)
    }
}

/// Resolves `state_sets` of the room `room_id` with the algorithm of `version`.
///
/// Resolving a single state set returns it unchanged; the result does not depend on the order of
/// the state sets.
pub fn resolve<'a>(
    version: &RoomVersion,
    room_id: &str,
    state_sets: &[StateMap],
    events: &impl EventSource<'a>,
) -> Result<StateMap, ResolveError> {
    match state_sets {
        [] => return Ok(StateMap::new()),
        [only] => return Ok(only.clone()),
        _ => {}
    }
    match version.state_res {
        StateResVersion::V1 => v1::resolve(version, room_id, state_sets, events),
        StateResVersion::V2 | StateResVersion::V2_1 => {
            v2::resolve(version, room_id, state_sets, events)
        }
    }
}
