//! The auth DAG of the events state resolution touches, interned to dense indices.

use super::strings;
use super::{EventSource, ResolveError};
use crate::pdu::Pdu;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

/// A hash map with a fast, randomly seeded hasher (foldhash), for the maps keyed by event ids
/// and state keys that resolution fills and reads many times per call.
pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A hash set with the hasher of [`FastMap`].
pub(super) type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// Index of an event in a [`Graph`].
pub(super) type Ix = u32;

/// An entry of the id index: an event id with its hash, computed once (growing the index moves
/// the stored hash instead of hashing the id again, and a probe compares hashes before strings),
/// and the event's index, which the comparisons ignore. 24 bytes: the index is a set of these.
#[derive(Clone, Copy)]
struct IdKey<'a> {
    id: &'a str,
    hash: u32,
    ix: Ix,
}

impl Hash for IdKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u32(self.hash);
    }
}

impl PartialEq for IdKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && strings::same(self.id, other.id)
    }
}

impl Eq for IdKey<'_> {}

/// The hasher of the index: the 32-bit hash an [`IdKey`] carries (from a seeded foldhash),
/// spread over 64 bits by an odd multiplier (a bijection), so that both the low bits (the
/// bucket) and the high bits (the tag the table keeps) vary.
#[derive(Default)]
struct CarriedHash(u64);

const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for CarriedHash {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u32` is used; anything else still hashes, by folding the bytes in.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(SPREAD);
        }
    }
    fn write_u32(&mut self, hash: u32) {
        self.0 = u64::from(hash).wrapping_mul(SPREAD);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type IdIndex<'a> = HashMap<IdKey<'a>, (), BuildHasherDefault<CarriedHash>>;

/// The events reachable from the state sets through `auth_events`, with their auth edges.
///
/// Events are numbered in the order they are found (the roots first, then breadth first), and
/// their auth edges are stored flat: event `i`'s auth events are
/// `edges[offsets[i]..offsets[i + 1]]`.
pub(super) struct Graph<'a> {
    pub events: Vec<&'a Pdu>,
    index: IdIndex<'a>,
    /// Hashes the event ids of `index` (seeded per graph).
    hasher: foldhash::fast::RandomState,
    edges: Vec<Ix>,
    offsets: Vec<usize>,
    /// The events in an order where each comes after its auth events.
    auth_first: Vec<Ix>,
    pub rejected: Vec<bool>,
}

impl<'a> Graph<'a> {
    /// Loads `roots` and everything in their auth chains; checks that they exist, belong to
    /// `room_id` and that the auth edges are acyclic.
    pub fn build<'r>(
        room_id: &str,
        roots: impl IntoIterator<Item = &'r str>,
        source: &impl EventSource<'a>,
    ) -> Result<Self, ResolveError> {
        Self::build_indexed(room_id, roots, source).map(|(graph, _)| graph)
    }

    /// [`Graph::build`], also returning the index of each root, in order.
    pub fn build_indexed<'r>(
        room_id: &str,
        roots: impl IntoIterator<Item = &'r str>,
        source: &impl EventSource<'a>,
    ) -> Result<(Self, Vec<Ix>), ResolveError> {
        let roots = roots.into_iter();
        let expected = roots.size_hint().0.saturating_mul(2);
        let mut graph = Graph {
            events: Vec::with_capacity(expected),
            index: IdIndex::with_capacity_and_hasher(expected, Default::default()),
            hasher: Default::default(),
            edges: Vec::with_capacity(expected.saturating_mul(3)),
            offsets: Vec::with_capacity(expected + 1),
            auth_first: Vec::new(),
            rejected: Vec::with_capacity(expected),
        };
        graph.offsets.push(0);
        let mut root_ixs = Vec::with_capacity(roots.size_hint().0);
        for id in roots {
            let key = graph.key(id);
            let ix = match graph.index.get_key_value(&key) {
                Some((found, _)) => found.ix,
                None => {
                    let event = source
                        .event(id)
                        .filter(|found| strings::same(found.event_id(), id))
                        .ok_or_else(|| ResolveError::MissingEvent(id.to_owned()))?;
                    let ix = graph.push(event, room_id, source)?;
                    let key = IdKey {
                        id: event.event_id(),
                        ix,
                        ..key
                    };
                    graph.index.insert(key, ());
                    ix
                }
            };
            root_ixs.push(ix);
        }
        // Breadth first, in index order, so that each event's edges are appended in turn. Each
        // auth event id is hashed once: looked up, and inserted if new.
        let mut next = 0;
        while next < graph.events.len() {
            let event = graph.events[next];
            for auth_id in event.auth_events() {
                // The index the event gets if it is new.
                let key = IdKey {
                    ix: graph.events.len() as Ix,
                    ..graph.key(auth_id)
                };
                let target = match graph.index.entry(key) {
                    Entry::Occupied(found) => found.key().ix,
                    Entry::Vacant(slot) => {
                        let auth_event = source
                            .event(auth_id)
                            .filter(|found| strings::same(found.event_id(), auth_id))
                            .ok_or_else(|| ResolveError::MissingAuthEvent {
                                event: event.event_id().to_owned(),
                                auth_event: auth_id.clone(),
                            })?;
                        Self::push_to(
                            (&mut graph.events, &mut graph.rejected),
                            auth_event,
                            room_id,
                            source,
                        )?;
                        slot.insert(());
                        key.ix
                    }
                };
                graph.edges.push(target);
            }
            graph.offsets.push(graph.edges.len());
            next += 1;
        }
        graph.sort_topologically()?;
        Ok((graph, root_ixs))
    }

    /// The indices of event `ix`'s auth events.
    pub fn auth(&self, ix: Ix) -> &[Ix] {
        &self.edges[self.offsets[ix as usize]..self.offsets[ix as usize + 1]]
    }

    fn push(
        &mut self,
        event: &'a Pdu,
        room_id: &str,
        source: &impl EventSource<'a>,
    ) -> Result<Ix, ResolveError> {
        Self::push_to(
            (&mut self.events, &mut self.rejected),
            event,
            room_id,
            source,
        )
    }

    /// Appends `event` (checked to be in `room_id`) to the event list; returns its index.
    fn push_to(
        (events, rejected): (&mut Vec<&'a Pdu>, &mut Vec<bool>),
        event: &'a Pdu,
        room_id: &str,
        source: &impl EventSource<'a>,
    ) -> Result<Ix, ResolveError> {
        if !strings::same(event.room_id(), room_id) {
            return Err(ResolveError::WrongRoom {
                event: event.event_id().to_owned(),
                expected: room_id.to_owned(),
                found: event.room_id().to_owned(),
            });
        }
        let ix = events.len() as Ix;
        events.push(event);
        rejected.push(source.is_rejected(event.event_id()));
        Ok(ix)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn ix(&self, event_id: &str) -> Option<Ix> {
        let found = self.index.get_key_value(&self.key(event_id));
        found.map(|(key, _)| key.ix)
    }

    /// `event_id` with its hash.
    fn key<'k>(&self, event_id: &'k str) -> IdKey<'k> {
        IdKey {
            id: event_id,
            // The low half of a 64-bit hash.
            hash: self.hasher.hash_one(event_id) as u32,
            ix: Ix::MAX,
        }
    }

    pub fn event(&self, ix: Ix) -> &'a Pdu {
        self.events[ix as usize]
    }

    /// Orders the events so that each comes after its auth events (a depth-first post-order),
    /// failing with the first event found on a cycle of auth edges (three-colour DFS).
    fn sort_topologically(&mut self) -> Result<(), ResolveError> {
        const WHITE: u8 = 0;
        const GREY: u8 = 1;
        const BLACK: u8 = 2;
        let mut colour = vec![WHITE; self.len()];
        let mut order = Vec::with_capacity(self.len());
        let mut stack: Vec<(Ix, usize)> = Vec::new();
        for start in 0..self.len() as Ix {
            if colour[start as usize] != WHITE {
                continue;
            }
            colour[start as usize] = GREY;
            stack.push((start, 0));
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&child) = self.auth(node).get(*next) {
                    *next += 1;
                    match colour[child as usize] {
                        WHITE => {
                            colour[child as usize] = GREY;
                            stack.push((child, 0));
                        }
                        GREY => {
                            return Err(ResolveError::Cycle(self.event(child).event_id().into()))
                        }
                        _ => {}
                    }
                } else {
                    colour[node as usize] = BLACK;
                    order.push(node);
                    stack.pop();
                }
            }
        }
        self.auth_first = order;
        Ok(())
    }

    /// Every event, each after its auth events.
    pub fn auth_first(&self) -> &[Ix] {
        &self.auth_first
    }

    /// The union of the auth chains of `roots` (the events reachable through auth edges, not
    /// counting a root unless another root reaches it).
    pub fn auth_chain(&self, roots: impl IntoIterator<Item = Ix>) -> BitSet {
        self.auth_chain_outside(roots, &BitSet::new(self.len()))
    }

    /// `roots` and every event reached from them by walking `auth_events` links whose targets
    /// are in `within` (never through an event outside it).
    pub fn auth_closure_within(
        &self,
        roots: impl IntoIterator<Item = Ix>,
        within: &BitSet,
    ) -> BitSet {
        let mut seen = BitSet::new(self.len());
        let mut stack: Vec<Ix> = roots.into_iter().collect();
        while let Some(ix) = stack.pop() {
            if seen.insert(ix) {
                let next = self.auth(ix).iter().copied();
                stack.extend(next.filter(|&a| within.contains(a) && !seen.contains(a)));
            }
        }
        seen
    }

    /// The auth chain of `roots` less `closed` and everything reached only through it, which
    /// is exactly the chain less `closed` when `closed` holds the auth chain of each of its
    /// events (as an auth chain does).
    pub fn auth_chain_outside(
        &self,
        roots: impl IntoIterator<Item = Ix>,
        closed: &BitSet,
    ) -> BitSet {
        let mut seen = BitSet::new(self.len());
        let mut stack: Vec<Ix> = Vec::new();
        for root in roots {
            stack.extend(self.auth(root));
        }
        while let Some(ix) = stack.pop() {
            if !closed.contains(ix) && seen.insert(ix) {
                stack.extend(self.auth(ix));
            }
        }
        seen
    }
}

/// A fixed-size set of event indices.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub fn new(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
        }
    }

    /// Adds `ix`; returns whether it was new.
    pub fn insert(&mut self, ix: Ix) -> bool {
        let (word, bit) = (ix as usize / 64, 1u64 << (ix % 64));
        let new = self.words[word] & bit == 0;
        self.words[word] |= bit;
        new
    }

    pub fn contains(&self, ix: Ix) -> bool {
        self.words[ix as usize / 64] & (1u64 << (ix % 64)) != 0
    }

    pub fn union_with(&mut self, other: &Self) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a |= b);
    }

    pub fn intersect_with(&mut self, other: &Self) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a &= b);
    }

    pub fn subtract(&mut self, other: &Self) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a &= !b);
    }

    pub fn iter(&self) -> impl Iterator<Item = Ix> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros();
                    bits &= bits - 1;
                    (w * 64) as Ix + bit
                })
            })
        })
    }
}
