//! The iterative auth checks (spec `v2-state-res.md` § "Iterative auth checks").

use super::graph::{FastMap, Graph, Ix};
use crate::auth::{auth_types_for_event, check_auth};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;

/// A room state during resolution: state key to event index, borrowing the keys from the events.
pub(super) type PartialState<'a> = FastMap<(&'a str, &'a str), Ix>;

/// The events an event is checked against, by state key (a handful: a list beats a map).
type AuthEvents<'a> = Vec<((&'a str, &'a str), &'a Pdu)>;

/// Adds `event` to `auth`, replacing the event of the same key.
fn put<'a>(auth: &mut AuthEvents<'a>, event: &'a Pdu) {
    let key = (event.event_type(), event.state_key().unwrap_or(""));
    match auth.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = event,
        None => auth.push((key, event)),
    }
}

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
    // The few events the rules may read (auth events, then state): a short list, searched.
    let mut auth: AuthEvents<'a> = Vec::with_capacity(8);
    for &ix in events {
        let event = graph.event(ix);
        let Some(state_key) = event.state_key() else {
            continue;
        };
        auth.clear();
        for &auth_ix in graph.auth(ix) {
            let auth_event = graph.event(auth_ix);
            if !graph.rejected[auth_ix as usize] && auth_event.state_key().is_some() {
                put(&mut auth, auth_event);
            }
        }
        if let Some(create) = v12_create {
            put(&mut auth, create);
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
                    put(&mut auth, graph.event(state_ix));
                }
            }
        }
        let lookup = |kind: &str, key: &str| {
            let found = auth.iter().find(|((k, s), _)| *k == kind && *s == key);
            found.map(|(_, event)| *event)
        };
        if check_auth(version, event, lookup).is_ok() {
            state.insert((event.event_type(), state_key), ix);
        }
    }
}
