//! State resolution v2 and v2.1 (spec `rooms/fragments/v2-state-res.md` § "Algorithm";
//! `rooms/v12.md` § "State resolution" for v2.1's conflicted state subgraph and empty start).

use super::graph::{BitSet, FastSet, Graph, Ix};
use super::iterative::{iterative_auth_checks, Key, PartialState};
use super::ordering::{mainline_order, reverse_topological_power};
use super::power::sender_power;
use super::strings;
use super::{EventSource, ResolveError, StateKey, StateMap};
use crate::auth::is_power_event;
use crate::pdu::Pdu;
use crate::room_version::{RoomVersion, StateResVersion};
use std::cmp::Ordering;

/// The state sets split by key (spec § "Unconflicted state map and conflicted state set"):
/// the keys every set maps to the same event, and the others with each set's event, if any.
pub(super) struct Split<'s> {
    /// The unconflicted keys and their events, in key order.
    pub unconflicted: Vec<(&'s StateKey, &'s str)>,
    /// The conflicted keys, in key order.
    pub conflicted_keys: Vec<&'s StateKey>,
    /// For conflicted key `j`, the event of each state set (or none):
    /// `conflicted_values[j * sets..(j + 1) * sets]`.
    conflicted_values: Vec<Option<&'s str>>,
    /// For conflicted key `j`, how many unconflicted keys sort before it.
    conflicted_at: Vec<usize>,
    sets: usize,
}

impl<'s> Split<'s> {
    /// Each conflicted key with the event of each state set.
    pub fn conflicted(&self) -> impl Iterator<Item = (&'s StateKey, &[Option<&'s str>])> + '_ {
        let values = self.conflicted_values.chunks_exact(self.sets.max(1));
        self.conflicted_keys.iter().copied().zip(values)
    }
}

/// `a.cmp(b)` for state keys, comparing the strings in place.
fn compare_keys(a: &StateKey, b: &StateKey) -> Ordering {
    strings::compare(&a.0, &b.0).then_with(|| strings::compare(&a.1, &b.1))
}

/// Splits the state sets in one merge of their sorted keys: each set's current key is compared
/// once with the smallest key found so far, which tells which sets hold the smallest key.
pub(super) fn split(state_sets: &[StateMap]) -> Split<'_> {
    let sets = state_sets.len();
    let mut heads: Vec<_> = state_sets.iter().map(|set| set.iter().peekable()).collect();
    let mut split = Split {
        unconflicted: Vec::new(),
        conflicted_keys: Vec::new(),
        conflicted_values: Vec::new(),
        conflicted_at: Vec::new(),
        sets,
    };
    let mut values: Vec<Option<&str>> = Vec::with_capacity(sets);
    loop {
        let mut smallest: Option<&StateKey> = None;
        values.clear();
        for head in &mut heads {
            let Some(&(key, id)) = head.peek() else {
                values.push(None);
                continue;
            };
            let order = smallest.map_or(Ordering::Less, |s| compare_keys(key, s));
            match order {
                Ordering::Less => {
                    smallest = Some(key);
                    values.iter_mut().for_each(|v| *v = None);
                    values.push(Some(id.as_str()));
                }
                Ordering::Equal => values.push(Some(id.as_str())),
                Ordering::Greater => values.push(None),
            }
        }
        let Some(key) = smallest else {
            // The conflicted events stay in memory for the whole resolution.
            split.conflicted_values.shrink_to_fit();
            return split;
        };
        for (head, value) in heads.iter_mut().zip(&values) {
            if value.is_some() {
                head.next();
            }
        }
        let same_event = |v: &Option<&str>, first: &str| {
            v.is_some_and(|id| std::ptr::eq(id, first) || strings::same(id, first))
        };
        match values[0] {
            Some(first) if values[1..].iter().all(|v| same_event(v, first)) => {
                split.unconflicted.push((key, first));
            }
            _ => {
                split.conflicted_keys.push(key);
                split.conflicted_values.extend_from_slice(&values);
                split.conflicted_at.push(split.unconflicted.len());
            }
        }
    }
}

/// Checks that `event` may be listed under `(kind, state_key)`.
fn check_key(event: &Pdu, id: &str, (kind, state_key): &StateKey) -> Result<(), ResolveError> {
    match event.state_key() {
        None => Err(ResolveError::NotAStateEvent(id.to_owned())),
        Some(key) if !strings::same(key, state_key) || !strings::same(event.event_type(), kind) => {
            Err(ResolveError::KeyMismatch {
                event: id.to_owned(),
                kind: kind.clone(),
                state_key: state_key.clone(),
            })
        }
        Some(_) => Ok(()),
    }
}

/// The graph index of each event of `split` (from `root_ixs`, the indices of the unconflicted
/// events then of the conflicted ones, in split order), checked to be a state event of its key:
/// the unconflicted events in order, and each state set's events for the conflicted keys.
fn split_indices(
    graph: &Graph<'_>,
    split: &Split<'_>,
    root_ixs: &[Ix],
    sets: usize,
) -> Result<(Vec<Ix>, Vec<Vec<Ix>>), ResolveError> {
    let mut ixs = root_ixs.iter().copied();
    let mut next = |id: &str| {
        ixs.next()
            .ok_or_else(|| ResolveError::MissingEvent(id.to_owned()))
    };
    let mut unconflicted = Vec::with_capacity(split.unconflicted.len());
    for (key, id) in &split.unconflicted {
        let ix = next(id)?;
        check_key(graph.event(ix), id, key)?;
        unconflicted.push(ix);
    }
    let mut per_set: Vec<Vec<Ix>> = vec![Vec::new(); sets];
    for (key, values) in split.conflicted() {
        // The sets mostly agree on a conflicted key's event: each is checked once per key.
        let mut checked: Option<Ix> = None;
        for (set, value) in values.iter().enumerate() {
            if let Some(id) = value {
                let ix = next(id)?;
                if checked != Some(ix) {
                    check_key(graph.event(ix), id, key)?;
                    checked = Some(ix);
                }
                per_set[set].push(ix);
            }
        }
    }
    Ok((unconflicted, per_set))
}

/// Checks that each state set maps keys to state events of that key.
pub(super) fn check_keys(graph: &Graph<'_>, state_sets: &[StateMap]) -> Result<(), ResolveError> {
    for set in state_sets {
        for (key, id) in set {
            let event = graph.ix(id).map(|ix| graph.event(ix));
            let event = event.ok_or_else(|| ResolveError::MissingEvent(id.clone()))?;
            check_key(event, id, key)?;
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
    let split = split(state_sets);
    let create = v12_create(version, room_id, events)?;
    let conflicted_ids = split.conflicted_values.iter().flatten().copied();
    let roots = split
        .unconflicted
        .iter()
        .map(|(_, id)| *id)
        .chain(conflicted_ids)
        .chain(create.map(Pdu::event_id));
    let (graph, root_ixs) = Graph::build_indexed(room_id, roots, events)?;
    let (unconflicted, per_set) = split_indices(&graph, &split, &root_ixs, state_sets.len())?;
    let unconflicted_map = || -> StateMap {
        let entries = split.unconflicted.iter();
        entries
            .map(|(key, id)| ((*key).clone(), (*id).to_owned()))
            .collect()
    };
    if split.conflicted_keys.is_empty() {
        return Ok(unconflicted_map());
    }
    let full = full_conflicted_set(version, &graph, &unconflicted, &per_set);

    // Step 1: power events of the full conflicted set, with the parts of their auth chains that
    // are in it, in reverse topological power order.
    //
    // "The events in the auth chain of P which also belong to the full conflicted set" is read
    // as Synapse (`state/v2.py`, `_add_event_and_auth_chain_to_graph`) and Ruma read it: the
    // walk from P follows only auth events that are themselves in the full conflicted set, so
    // a conflicted event reached only through an unconflicted auth event is left for step 3.
    // Servers in a room must resolve alike, so we agree with the deployed network here; see
    // `tests/fixtures/resolve/power_chain_stops_at_unconflicted_v11.json` and
    // docs/architecture.md § "State resolution: the step 1 reading".
    let power_roots: Vec<Ix> = full
        .iter()
        .filter(|&ix| is_power_event(graph.event(ix)))
        .collect();
    let chosen = graph.auth_closure_within(power_roots.iter().copied(), &full);
    let members: Vec<Ix> = chosen.iter().collect();
    let power = |ix| sender_power(&graph, ix, create, version);
    let sorted_power = reverse_topological_power(&graph, &members, &chosen, power)?;

    // Step 2: iterative auth checks from the unconflicted state map (v2.1: from nothing).
    let mut state: PartialState<'a> = PartialState::default();
    if version.state_res == StateResVersion::V2 {
        for &ix in &unconflicted {
            let event = graph.event(ix);
            state.insert(Key(event.event_type(), event.state_key().unwrap_or("")), ix);
        }
    }
    iterative_auth_checks(version, &graph, &sorted_power, &mut state, create);

    // Step 3: the other events, in mainline order of the resolved power levels.
    let mut rest = full;
    rest.subtract(&chosen);
    let rest: Vec<Ix> = rest.iter().collect();
    let power_levels = state.get(&Key("m.room.power_levels", "")).copied();
    let sorted_rest = mainline_order(&graph, &rest, power_levels);

    // Step 4: iterative auth checks of those on top.
    iterative_auth_checks(version, &graph, &sorted_rest, &mut state, create);

    // Step 5: the unconflicted state map wins.
    Ok(resolved_map(version, &graph, &split, &unconflicted, state))
}

/// Step 5 and the result: the unconflicted state map applied over `state`, built in key order
/// from the split's sorted keys (only the conflicted ones are looked up in `state`), then any
/// key of `state` that no state set has (an event of the auth difference may bring one).
fn resolved_map<'a>(
    version: &RoomVersion,
    graph: &Graph<'a>,
    split: &Split<'_>,
    unconflicted: &[Ix],
    mut state: PartialState<'a>,
) -> StateMap {
    if version.state_res == StateResVersion::V2_1 {
        // v2.1 started from nothing; v2 started from the unconflicted map, so its state already
        // has every unconflicted key (the checks only add or replace).
        for &ix in unconflicted {
            let event = graph.event(ix);
            state.insert(Key(event.event_type(), event.state_key().unwrap_or("")), ix);
        }
    }
    let mut entries: Vec<(&StateKey, &str)> = Vec::with_capacity(state.len());
    let mut taken = 0;
    let mut found = 0;
    for (key, &before) in split.conflicted_keys.iter().zip(&split.conflicted_at) {
        entries.extend_from_slice(&split.unconflicted[taken..before]);
        taken = before;
        if let Some(&ix) = state.get(&Key(&key.0, &key.1)) {
            entries.push((key, graph.event(ix).event_id()));
            found += 1;
        }
    }
    entries.extend_from_slice(&split.unconflicted[taken..]);
    // Keys of `state` that no state set has (rare): found before `state` is dropped, so that it
    // is not held while the result is built.
    let mut others: Vec<(Key<'_>, Ix)> = Vec::new();
    if state.len() > split.unconflicted.len() + found {
        let known: FastSet<(&str, &str)> = (split.unconflicted.iter().map(|(key, _)| *key))
            .chain(split.conflicted_keys.iter().copied())
            .map(|(kind, key)| (kind.as_str(), key.as_str()))
            .collect();
        others.extend(
            state
                .into_iter()
                .filter(|(Key(kind, key), _)| !known.contains(&(*kind, *key))),
        );
    } else {
        drop(state);
    }
    let mut resolved: StateMap = entries
        .iter()
        .map(|&(key, id)| (key.clone(), id.to_owned()))
        .collect();
    drop(entries);
    for (Key(kind, key), ix) in others {
        let id = graph.event(ix).event_id().to_owned();
        resolved.insert((kind.to_owned(), key.to_owned()), id);
    }
    resolved
}

/// The conflicted state set, the auth difference and (v2.1) the conflicted state subgraph.
fn full_conflicted_set(
    version: &RoomVersion,
    graph: &Graph<'_>,
    unconflicted: &[Ix],
    per_set: &[Vec<Ix>],
) -> BitSet {
    let mut full = if per_set.len() < 64 {
        auth_difference_by_marks(graph, unconflicted, per_set)
    } else {
        auth_difference_by_walks(graph, unconflicted, per_set)
    };
    let conflicted: Vec<Ix> = per_set.iter().flatten().copied().collect();
    for &ix in &conflicted {
        full.insert(ix);
    }
    if version.state_res == StateResVersion::V2_1 {
        full.union_with(&conflicted_subgraph(graph, &conflicted));
    }
    full
}

/// The auth difference ∪*Cᵢ* − ∩*Cᵢ* in one pass over the auth edges: each event is marked with
/// the state sets whose full auth chain *Cᵢ* holds it (bit *i*), marks flowing from events to
/// their auth events, the events citing an event handled before it. Bit 63 marks the auth chain
/// *K* of the unconflicted events, which every *Cᵢ* holds.
fn auth_difference_by_marks(graph: &Graph<'_>, unconflicted: &[Ix], per_set: &[Vec<Ix>]) -> BitSet {
    const COMMON: u64 = 1 << 63;
    let mut roots = vec![0u64; graph.len()];
    for &ix in unconflicted {
        roots[ix as usize] |= COMMON;
    }
    for (set, events) in per_set.iter().enumerate() {
        for &ix in events {
            roots[ix as usize] |= 1 << set;
        }
    }
    let mut marks = vec![0u64; graph.len()];
    for &ix in graph.auth_first().iter().rev() {
        let flowing = roots[ix as usize] | marks[ix as usize];
        if flowing != 0 {
            for &auth in graph.auth(ix) {
                marks[auth as usize] |= flowing;
            }
        }
    }
    let every = (1u64 << per_set.len()) - 1;
    let mut difference = BitSet::new(graph.len());
    for (ix, &mark) in marks.iter().enumerate() {
        if mark & COMMON == 0 && mark & every != 0 && mark & every != every {
            difference.insert(ix as Ix);
        }
    }
    difference
}

/// The auth difference for 64 state sets or more: the full auth chain of state set *i* is
/// *K* ∪ *Dᵢ*, with *K* the auth chain of the unconflicted events and *Dᵢ* that of set *i*'s
/// conflicted events, so ∪*Cᵢ* − ∩*Cᵢ* is ∪*Dᵢ'* − ∩*Dᵢ'* with *Dᵢ'* = *Dᵢ* − *K*: *K* is walked
/// once, and each *Dᵢ'* without entering *K* (what lies below an event of *K* is in *K*).
fn auth_difference_by_walks(graph: &Graph<'_>, unconflicted: &[Ix], per_set: &[Vec<Ix>]) -> BitSet {
    let common = graph.auth_chain(unconflicted.iter().copied());
    let mut union = BitSet::new(graph.len());
    let mut intersection: Option<BitSet> = None;
    for set in per_set {
        let chain = graph.auth_chain_outside(set.iter().copied(), &common);
        union.union_with(&chain);
        match &mut intersection {
            Some(intersection) => intersection.intersect_with(&chain),
            None => intersection = Some(chain),
        }
    }
    if let Some(intersection) = intersection {
        union.subtract(&intersection);
    }
    union
}

/// Every event on an auth path from one conflicted state event to another, endpoints included
/// (spec `rooms/v12.md` § "Conflicted state subgraph"): the events reachable from a conflicted
/// event (themselves included) from which a conflicted event is reachable.
fn conflicted_subgraph(graph: &Graph<'_>, conflicted: &[Ix]) -> BitSet {
    let mut is_conflicted = BitSet::new(graph.len());
    for &ix in conflicted {
        is_conflicted.insert(ix);
    }
    // Reachable from a conflicted event: an event is handled after the events citing it.
    let mut below = is_conflicted.clone();
    for &ix in graph.auth_first().iter().rev() {
        if below.contains(ix) {
            for &auth in graph.auth(ix) {
                below.insert(auth);
            }
        }
    }
    // Reaching a conflicted event: an event is handled after its auth events.
    let mut reaching = is_conflicted;
    for &ix in graph.auth_first() {
        if graph.auth(ix).iter().any(|&auth| reaching.contains(auth)) {
            reaching.insert(ix);
        }
    }
    below.intersect_with(&reaching);
    below
}
