//! The iterative auth checks (spec `v2-state-res.md` § "Iterative auth checks").

use super::graph::{FastMap, Graph, Ix};
use crate::auth::{auth_types_for_event, check_auth};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;

/// A room state during resolution: state key to event index, borrowing the keys from the events.
pub(super) type PartialState<'a> = FastMap<(&'a str, &'a str), Ix>;

/// Applies each event of `events`, in order, to `state` if the authorization rules allow it.
///
/// The event is checked against its own auth events (those not rejected), with every key the
/// authorization rules need taken from `state` where `state` has it. In a v12 room the create
/// event is not listed in `auth_events`; it is supplied from the room id.
pub(super) fn iterative_auth_checks<'a>(
    version: &RoomVersion,
    graph: &Graph<'a>,
    events: &[Ix],
    state: &mut PartialState<'a>,
    v12_create: Option<&'a Pdu>,
) {
    let mut auth: FastMap<(&'a str, &'a str), &'a Pdu> = FastMap::default();
    for &ix in events {
        let event = graph.event(ix);
        let Some(state_key) = event.state_key() else {
            continue;
        };
        auth.clear();
        for &auth_ix in graph.auth(ix) {
            if !graph.rejected[auth_ix as usize] {
                let auth_event = graph.event(auth_ix);
                if let Some(key) = auth_event.state_key() {
                    auth.insert((auth_event.event_type(), key), auth_event);
                }
            }
        }
        if let Some(create) = v12_create {
            auth.insert(("m.room.create", ""), create);
        }
        let needed = auth_types_for_event(
            version,
            event.event_type(),
            event.sender(),
            Some(state_key),
            event.content(),
        );
        // A shared view with shorter key lifetimes, so the needed keys can be looked up.
        let view: &FastMap<(&str, &str), Ix> = state;
        for (kind, key) in &needed {
            if let Some(&state_ix) = view.get(&(kind.as_str(), key.as_str())) {
                if !graph.rejected[state_ix as usize] {
                    let held = graph.event(state_ix);
                    let held_key = (held.event_type(), held.state_key().unwrap_or(""));
                    auth.insert(held_key, held);
                }
            }
        }
        let lookup = |kind: &str, key: &str| auth.get(&(kind, key)).copied();
        if check_auth(version, event, lookup).is_ok() {
            state.insert((event.event_type(), state_key), ix);
        }
    }
}
