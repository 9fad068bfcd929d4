//! State resolution v1 (spec `rooms/v1.md` § "State resolution").
//!
//! Where the spec's prose is loose, this follows Synapse's `state/v1.py`, the implementation the
//! network runs: a key present in only some state sets is not conflicted; the auth events used
//! while resolving come from the unconflicted state; events are ordered by ascending depth, then
//! descending SHA-1 of the event id.

use super::v2::check_keys;
use super::{graph::Graph, EventSource, ResolveError, StateKey, StateMap};
use crate::auth::{auth_types_for_event, check_auth};
use crate::pdu::Pdu;
use crate::room_version::RoomVersion;
use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, HashMap};

type AuthMap<'a> = HashMap<StateKey, &'a Pdu>;

/// Synapse's `_seperate`: a key is conflicted only when two sets hold different events for it.
fn separate(state_sets: &[StateMap]) -> (StateMap, BTreeMap<StateKey, Vec<String>>) {
    let mut unconflicted = state_sets[0].clone();
    let mut conflicted: BTreeMap<StateKey, Vec<String>> = BTreeMap::new();
    for set in &state_sets[1..] {
        for (key, id) in set {
            if let Some(ids) = conflicted.get_mut(key) {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
                continue;
            }
            match unconflicted.get(key) {
                None => {
                    unconflicted.insert(key.clone(), id.clone());
                }
                Some(existing) if existing == id => {}
                Some(_) => {
                    let existing = unconflicted.remove(key).unwrap_or_default();
                    conflicted.insert(key.clone(), vec![existing, id.clone()]);
                }
            }
        }
    }
    (unconflicted, conflicted)
}

/// Ordering key: descending depth, then ascending hex SHA-1 of the event id.
fn ordered(mut events: Vec<&Pdu>) -> Vec<&Pdu> {
    events.sort_by_cached_key(|e| {
        let sha: [u8; 20] = Sha1::digest(e.event_id().as_bytes()).into();
        (std::cmp::Reverse(e.depth()), sha)
    });
    events
}

fn key_of(event: &Pdu) -> StateKey {
    (
        event.event_type().to_owned(),
        event.state_key().unwrap_or("").to_owned(),
    )
}

fn allowed(version: &RoomVersion, event: &Pdu, auth: &AuthMap<'_>) -> bool {
    let lookup = |kind: &str, key: &str| auth.get(&(kind.to_owned(), key.to_owned())).copied();
    check_auth(version, event, lookup).is_ok()
}

fn auth_keys(version: &RoomVersion, event: &Pdu) -> Vec<StateKey> {
    auth_types_for_event(
        version,
        event.event_type(),
        event.sender(),
        event.state_key(),
        event.content(),
    )
}

/// For power levels, join rules and members: start from the oldest event and keep each next one
/// while it is allowed on top of the previous.
fn resolve_auth_events<'a>(
    version: &RoomVersion,
    events: Vec<&'a Pdu>,
    auth: &AuthMap<'a>,
) -> &'a Pdu {
    let keys: Vec<StateKey> = events.iter().flat_map(|e| auth_keys(version, e)).collect();
    let mut local: AuthMap<'a> = keys
        .into_iter()
        .filter_map(|k| auth.get(&k).map(|e| (k, *e)))
        .collect();
    let mut oldest_first = ordered(events);
    oldest_first.reverse();
    let mut chosen = oldest_first[0];
    for &event in &oldest_first[1..] {
        local.insert(key_of(chosen), chosen);
        if !allowed(version, event, &local) {
            return chosen;
        }
        chosen = event;
    }
    chosen
}

/// For other keys: the newest event the auth events allow, else the oldest.
fn resolve_normal_events<'a>(
    version: &RoomVersion,
    events: Vec<&'a Pdu>,
    auth: &AuthMap<'a>,
) -> &'a Pdu {
    let ordered = ordered(events);
    let last = ordered[ordered.len() - 1];
    ordered
        .into_iter()
        .find(|e| allowed(version, e, auth))
        .unwrap_or(last)
}

pub(super) fn resolve<'a>(
    version: &RoomVersion,
    room_id: &str,
    state_sets: &[StateMap],
    events: &impl EventSource<'a>,
) -> Result<StateMap, ResolveError> {
    let roots = state_sets
        .iter()
        .flat_map(|set| set.values().map(String::as_str));
    let graph = Graph::build(room_id, roots, events)?;
    check_keys(&graph, state_sets)?;
    let (mut resolved, conflicted) = separate(state_sets);
    let event = |id: &str| graph.ix(id).map(|ix| graph.event(ix));

    // Auth events come from the unconflicted state, for the keys the conflicted events need.
    let mut auth: AuthMap<'a> = HashMap::new();
    for id in conflicted.values().flatten() {
        for key in event(id).map(|e| auth_keys(version, e)).unwrap_or_default() {
            if let Some(found) = resolved.get(&key).and_then(|id| event(id)) {
                auth.entry(key).or_insert(found);
            }
        }
    }
    let conflicted: BTreeMap<StateKey, Vec<&'a Pdu>> = conflicted
        .into_iter()
        .map(|(key, ids)| (key, ids.iter().filter_map(|id| event(id)).collect()))
        .collect();

    let phases: [fn(&StateKey) -> bool; 3] = [
        |k| k.0 == "m.room.power_levels" && k.1.is_empty(),
        |k| k.0 == "m.room.join_rules",
        |k| k.0 == "m.room.member",
    ];
    let mut done: HashMap<StateKey, &'a Pdu> = HashMap::new();
    for phase in phases {
        for (key, candidates) in &conflicted {
            if phase(key) && !done.contains_key(key) {
                done.insert(
                    key.clone(),
                    resolve_auth_events(version, candidates.clone(), &auth),
                );
            }
        }
        auth.extend(done.iter().map(|(k, e)| (k.clone(), *e)));
    }
    for (key, candidates) in &conflicted {
        if !done.contains_key(key) {
            done.insert(
                key.clone(),
                resolve_normal_events(version, candidates.clone(), &auth),
            );
        }
    }
    resolved.extend(done.into_iter().map(|(k, e)| (k, e.event_id().to_owned())));
    Ok(resolved)
}
