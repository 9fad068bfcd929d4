//! The auth DAG of the events state resolution touches, interned to dense indices.

use super::{EventSource, ResolveError};
use crate::pdu::Pdu;
use std::collections::HashMap;

/// Index of an event in a [`Graph`].
pub(super) type Ix = u32;

/// The events reachable from the state sets through `auth_events`, with their auth edges.
pub(super) struct Graph<'a> {
    pub events: Vec<&'a Pdu>,
    pub index: HashMap<&'a str, Ix>,
    /// `auth[i]`: the indices of event `i`'s auth events.
    pub auth: Vec<Vec<Ix>>,
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
        let mut graph = Graph {
            events: Vec::new(),
            index: HashMap::new(),
            auth: Vec::new(),
            rejected: Vec::new(),
        };
        let mut queue = Vec::new();
        for id in roots {
            if !graph.index.contains_key(id) {
                let event = source
                    .event(id)
                    .ok_or_else(|| ResolveError::MissingEvent(id.to_owned()))?;
                queue.push(graph.intern(event, room_id, source)?);
            }
        }
        while let Some(ix) = queue.pop() {
            let event = graph.events[ix as usize];
            let mut edges = Vec::with_capacity(event.auth_events().len());
            for auth_id in event.auth_events() {
                let target = match graph.index.get(auth_id.as_str()) {
                    Some(&target) => target,
                    None => {
                        let auth_event = source.event(auth_id).ok_or_else(|| {
                            ResolveError::MissingAuthEvent {
                                event: event.event_id().to_owned(),
                                auth_event: auth_id.clone(),
                            }
                        })?;
                        let target = graph.intern(auth_event, room_id, source)?;
                        queue.push(target);
                        target
                    }
                };
                edges.push(target);
            }
            graph.auth[ix as usize] = edges;
        }
        graph.check_acyclic()?;
        Ok(graph)
    }

    fn intern(
        &mut self,
        event: &'a Pdu,
        room_id: &str,
        source: &impl EventSource<'a>,
    ) -> Result<Ix, ResolveError> {
        if event.room_id() != room_id {
            return Err(ResolveError::WrongRoom {
                event: event.event_id().to_owned(),
                expected: room_id.to_owned(),
                found: event.room_id().to_owned(),
            });
        }
        let ix = self.events.len() as Ix;
        self.index.insert(event.event_id(), ix);
        self.events.push(event);
        self.auth.push(Vec::new());
        self.rejected.push(source.is_rejected(event.event_id()));
        Ok(ix)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn ix(&self, event_id: &str) -> Option<Ix> {
        self.index.get(event_id).copied()
    }

    pub fn event(&self, ix: Ix) -> &'a Pdu {
        self.events[ix as usize]
    }

    /// Fails with the first event found on a cycle of auth edges (iterative three-colour DFS).
    fn check_acyclic(&self) -> Result<(), ResolveError> {
        const WHITE: u8 = 0;
        const GREY: u8 = 1;
        const BLACK: u8 = 2;
        let mut colour = vec![WHITE; self.len()];
        let mut stack: Vec<(Ix, usize)> = Vec::new();
        for start in 0..self.len() as Ix {
            if colour[start as usize] != WHITE {
                continue;
            }
            colour[start as usize] = GREY;
            stack.push((start, 0));
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&child) = self.auth[node as usize].get(*next) {
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
                    stack.pop();
                }
            }
        }
        Ok(())
    }

    /// The union of the auth chains of `roots` (the events reachable through auth edges, not
    /// counting a root unless another root reaches it).
    pub fn auth_chain(&self, roots: impl IntoIterator<Item = Ix>) -> BitSet {
        let mut seen = BitSet::new(self.len());
        let mut stack: Vec<Ix> = Vec::new();
        for root in roots {
            stack.extend(&self.auth[root as usize]);
        }
        while let Some(ix) = stack.pop() {
            if seen.insert(ix) {
                stack.extend(&self.auth[ix as usize]);
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
