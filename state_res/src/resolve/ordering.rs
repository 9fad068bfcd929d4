//! The two orderings of state resolution v2 (spec `v2-state-res.md` § "Definitions").

use super::graph::{BitSet, FastMap, Graph, Ix};
use super::ResolveError;
use crate::auth::PowerLevel;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Reverse topological power ordering of `members` (whose membership is `in_set`): Kahn's
/// algorithm over the auth edges inside the set, taking at each step the smallest candidate by
/// (greater sender power, then smaller `origin_server_ts`, then smaller event id).
pub(super) fn reverse_topological_power(
    graph: &Graph<'_>,
    members: &[Ix],
    in_set: &BitSet,
    power: impl Fn(Ix) -> PowerLevel,
) -> Result<Vec<Ix>, ResolveError> {
    let mut pending: FastMap<Ix, usize> =
        FastMap::with_capacity_and_hasher(members.len(), Default::default());
    let mut dependents: FastMap<Ix, Vec<Ix>> =
        FastMap::with_capacity_and_hasher(members.len(), Default::default());
    let mut heap = BinaryHeap::with_capacity(members.len());
    let key = |ix: Ix| {
        let event = graph.event(ix);
        Reverse((
            Reverse(power(ix)),
            event.origin_server_ts(),
            event.event_id(),
            ix,
        ))
    };
    for &ix in members {
        let mut count = 0;
        for &auth in graph.auth(ix) {
            if in_set.contains(auth) {
                count += 1;
                dependents.entry(auth).or_default().push(ix);
            }
        }
        if count == 0 {
            heap.push(key(ix));
        } else {
            pending.insert(ix, count);
        }
    }
    let mut sorted = Vec::with_capacity(members.len());
    while let Some(Reverse((_, _, _, ix))) = heap.pop() {
        sorted.push(ix);
        for &dependent in dependents.get(&ix).map(Vec::as_slice).unwrap_or_default() {
            if let Some(count) = pending.get_mut(&dependent) {
                *count -= 1;
                if *count == 0 {
                    pending.remove(&dependent);
                    heap.push(key(dependent));
                }
            }
        }
    }
    match pending.keys().next() {
        Some(&stuck) => Err(ResolveError::Cycle(graph.event(stuck).event_id().into())),
        None => Ok(sorted),
    }
}

/// The `m.room.power_levels` event among `ix`'s auth events.
fn power_levels_auth_event(graph: &Graph<'_>, ix: Ix) -> Option<Ix> {
    graph.auth(ix).iter().copied().find(|&auth| {
        let event = graph.event(auth);
        event.event_type() == "m.room.power_levels" && event.state_key() == Some("")
    })
}

/// Mainline ordering of `events` based on the power levels event `power_levels` (spec
/// § "Mainline ordering"): events whose power-levels ancestry meets the mainline earlier come
/// first; ties by `origin_server_ts`, then event id.
pub(super) fn mainline_order(
    graph: &Graph<'_>,
    events: &[Ix],
    power_levels: Option<Ix>,
) -> Vec<Ix> {
    // Position i of P_i in the mainline [P_0 = power_levels, P_1, ...].
    let mut mainline: FastMap<Ix, usize> = FastMap::default();
    let mut next = power_levels;
    while let Some(p) = next {
        if mainline.insert(p, mainline.len()).is_some() {
            break; // unreachable in an acyclic graph; guards the loop anyway
        }
        next = power_levels_auth_event(graph, p);
    }
    // Memoised positions of the power levels events met while walking down.
    let mut known: FastMap<Ix, usize> = FastMap::default();
    let mut position = |ix: Ix| -> usize {
        let mut walked = Vec::new();
        let mut current = power_levels_auth_event(graph, ix);
        let found = loop {
            let Some(p) = current else {
                break usize::MAX;
            };
            if let Some(&i) = mainline.get(&p).or_else(|| known.get(&p)) {
                break i;
            }
            walked.push(p);
            current = power_levels_auth_event(graph, p);
        };
        for p in walked {
            known.insert(p, found);
        }
        found
    };
    let mut keyed: Vec<(Reverse<usize>, i64, &str, Ix)> = events
        .iter()
        .map(|&ix| {
            let event = graph.event(ix);
            (
                Reverse(position(ix)),
                event.origin_server_ts(),
                event.event_id(),
                ix,
            )
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, _, _, ix)| ix).collect()
}
