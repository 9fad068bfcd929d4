//! State resolution v2 and v2.1 (spec `rooms/fragments/v2-state-res.md` § "Algorithm";
//! `rooms/v12.md` § "State resolution" for v2.1's conflicted state subgraph and empty start).

use super::graph::{BitSet, Graph, Ix};
use super::iterative::{iterative_auth_checks, PartialState};
use super::ordering::{mainline_order, reverse_topological_power};
use super::power::sender_power;
use super::{EventSource, ResolveError, StateKey, StateMap};
use crate::auth::is_power_event;
use crate::pdu::Pdu;
use crate::room_version::{RoomVersion, StateResVersion};
use std::collections::BTreeMap;

/// Splits the state sets into the unconflicted state map (keys present in every set with the
/// same event) and the conflicted state set (every other event).
pub(super) fn split(state_sets: &[StateMap]) -> (StateMap, Vec<&str>) {
    let mut seen: BTreeMap<&StateKey, Vec<&str>> = BTreeMap::new();
    for set in state_sets {
        for (key, id) in set {
            seen.entry(key).or_default().push(id);
        }
    }
    let mut unconflicted = StateMap::new();
    let mut conflicted = Vec::new();
    for (key, mut ids) in seen {
        let same = ids.len() == state_sets.len() && ids.iter().all(|id| *id == ids[0]);
        if same {
            unconflicted.insert(key.clone(), ids[0].to_owned());
        } else {
            ids.sort_unstable();
            ids.dedup();
            conflicted.extend(ids);
        }
    }
    (unconflicted, conflicted)
}

/// Checks that each state set maps keys to state events of that key.
pub(super) fn check_keys(graph: &Graph<'_>, state_sets: &[StateMap]) -> Result<(), ResolveError> {
    for set in state_sets {
        for ((kind, state_key), id) in set {
            let event = graph.ix(id).map(|ix| graph.event(ix));
            let event = event.ok_or_else(|| ResolveError::MissingEvent(id.clone()))?;
            match event.state_key() {
                None => return Err(ResolveError::NotAStateEvent(id.clone())),
                Some(key) if key != state_key || event.event_type() != kind => {
                    return Err(ResolveError::KeyMismatch {
                        event: id.clone(),
                        kind: kind.clone(),
                        state_key: state_key.clone(),
                    })
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// The v12 create event, named by the room id (`!x` → `$x`).
pub(super) fn v12_create<'a>(
    version: &RoomVersion,
    room_id: &str,
    events: &impl EventSource<'a>,
) -> Result<Option<&'a Pdu>, ResolveError> {
    if !version.room_id_is_create_hash {
        return Ok(None);
    }
    let id = format!("${}", room_id.strip_prefix('!').unwrap_or(room_id));
    events
        .event(&id)
        .map(Some)
        .ok_or(ResolveError::MissingEvent(id))
}

pub(super) fn resolve<'a>(
    version: &RoomVersion,
    room_id: &str,
    state_sets: &[StateMap],
    events: &impl EventSource<'a>,
) -> Result<StateMap, ResolveError> {
    let (unconflicted, conflicted) = split(state_sets);
    let create = v12_create(version, room_id, events)?;
    let roots = state_sets
        .iter()
        .flat_map(|set| set.values().map(String::as_str))
        .chain(create.map(Pdu::event_id));
    let graph = Graph::build(room_id, roots, events)?;
    check_keys(&graph, state_sets)?;
    if conflicted.is_empty() {
        return Ok(unconflicted);
    }
    let full = full_conflicted_set(version, &graph, state_sets, &conflicted);

    // Step 1: power events of the full conflicted set, with the parts of their auth chains that
    // are in it, in reverse topological power order.
    let power_roots: Vec<Ix> = full
        .iter()
        .filter(|&ix| is_power_event(graph.event(ix)))
        .collect();
    let mut chosen = graph.auth_chain(power_roots.iter().copied());
    chosen.intersect_with(&full);
    power_roots.iter().for_each(|&ix| {
        chosen.insert(ix);
    });
    let members: Vec<Ix> = chosen.iter().collect();
    let power = |ix| sender_power(&graph, ix, create, version);
    let sorted_power = reverse_topological_power(&graph, &members, &chosen, power)?;

    // Step 2: iterative auth checks from the unconflicted state map (v2.1: from nothing).
    let mut state: PartialState<'a> = PartialState::new();
    if version.state_res == StateResVersion::V2 {
        for id in unconflicted.values() {
            if let Some(ix) = graph.ix(id) {
                let event = graph.event(ix);
                state.insert((event.event_type(), event.state_key().unwrap_or("")), ix);
            }
        }
    }
    iterative_auth_checks(version, &graph, &sorted_power, &mut state, create);

    // Step 3: the other events, in mainline order of the resolved power levels.
    let mut rest = full;
    rest.subtract(&chosen);
    let rest: Vec<Ix> = rest.iter().collect();
    let power_levels = state.get(&("m.room.power_levels", "")).copied();
    let sorted_rest = mainline_order(&graph, &rest, power_levels);

    // Step 4: iterative auth checks of those on top.
    iterative_auth_checks(version, &graph, &sorted_rest, &mut state, create);

    // Step 5: the unconflicted state map wins.
    let mut resolved: StateMap = state
        .into_iter()
        .map(|((kind, key), ix)| {
            (
                (kind.to_owned(), key.to_owned()),
                graph.event(ix).event_id().to_owned(),
            )
        })
        .collect();
    resolved.extend(unconflicted);
    Ok(resolved)
}

/// The conflicted state set, the auth difference and (v2.1) the conflicted state subgraph.
fn full_conflicted_set(
    version: &RoomVersion,
    graph: &Graph<'_>,
    state_sets: &[StateMap],
    conflicted: &[&str],
) -> BitSet {
    let chains: Vec<BitSet> = state_sets
        .iter()
        .map(|set| graph.auth_chain(set.values().filter_map(|id| graph.ix(id))))
        .collect();
    let mut union = BitSet::new(graph.len());
    let mut intersection = chains[0].clone();
    for chain in &chains {
        union.union_with(chain);
        intersection.intersect_with(chain);
    }
    let mut full = union;
    full.subtract(&intersection);
    let conflicted: Vec<Ix> = conflicted.iter().filter_map(|id| graph.ix(id)).collect();
    for &ix in &conflicted {
        full.insert(ix);
    }
    if version.state_res == StateResVersion::V2_1 {
        full.union_with(&conflicted_subgraph(graph, &conflicted));
    }
    full
}

/// Every event on an auth path from one conflicted state event to another, endpoints included
/// (spec `rooms/v12.md` § "Conflicted state subgraph").
fn conflicted_subgraph(graph: &Graph<'_>, conflicted: &[Ix]) -> BitSet {
    // Events reachable from a conflicted event (the events themselves included).
    let mut below = BitSet::new(graph.len());
    let mut stack: Vec<Ix> = conflicted.to_vec();
    while let Some(ix) = stack.pop() {
        if below.insert(ix) {
            stack.extend(&graph.auth[ix as usize]);
        }
    }
    // Of those, the ones from which a conflicted event is reachable: walk the reversed edges
    // inside `below`, starting at the conflicted events.
    let mut reverse: Vec<Vec<Ix>> = vec![Vec::new(); graph.len()];
    for ix in below.iter() {
        for &auth in &graph.auth[ix as usize] {
            reverse[auth as usize].push(ix);
        }
    }
    let mut subgraph = BitSet::new(graph.len());
    let mut stack: Vec<Ix> = conflicted.to_vec();
    while let Some(ix) = stack.pop() {
        if subgraph.insert(ix) {
            stack.extend(&reverse[ix as usize]);
        }
    }
    subgraph
}
