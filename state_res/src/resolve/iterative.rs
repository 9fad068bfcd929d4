//! The iterative auth checks (spec `v2-state-res.md` § "Iterative auth checks").

use super::graph::{FastMap, Graph, Ix};
use super::strings::same;
use crate::auth::{check_auth, visit_auth_types};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;

/// A room state during resolution: state key to event index, borrowing the keys from the events.
pub(super) type PartialState<'a> = FastMap<Key<'a>, Ix>;

/// A state key `(event type, state key)` of [`PartialState`], compared in place.
#[derive(Clone, Copy, Hash)]
pub(super) struct Key<'a>(pub &'a str, pub &'a str);

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        same(self.0, other.0) && same(self.1, other.1)
    }
}

impl Eq for Key<'_> {}

/// The events an event is checked against, by state key (a handful: a list beats a map).
type AuthEvents<'a> = Vec<((&'a str, &'a str), &'a Pdu)>;

/// Adds `event` to `auth`, replacing the event of the same key.
fn put<'a>(auth: &mut AuthEvents<'a>, event: &'a Pdu) {
    let key = (event.event_type(), event.state_key().unwrap_or(""));
    match auth
        .iter_mut()
        .find(|((kind, state_key), _)| same(kind, key.0) && same(state_key, key.1))
    {
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
        // A shared view with shorter key lifetimes, so the needed keys can be looked up.
        let view: &FastMap<Key<'_>, Ix> = state;
        let (kind, sender, content) = (event.event_type(), event.sender(), event.content());
        visit_auth_types(
            version,
            kind,
            sender,
            Some(state_key),
            content,
            |kind, key| {
                if let Some(&state_ix) = view.get(&Key(kind, key)) {
                    if !graph.rejected[state_ix as usize] {
                        put(&mut auth, graph.event(state_ix));
                    }
                }
            },
        );
        let lookup = |kind: &str, key: &str| {
            let found = auth
                .iter()
                .find(|((k, s), _)| same(k, kind) && same(s, key));
            found.map(|(_, event)| *event)
        };
        if check_auth(version, event, lookup).is_ok() {
            state.insert(Key(event.event_type(), state_key), ix);
        }
    }
}
