//! Ruma's state resolution (`ruma-state-res`) over our PDUs, as an independent implementation to
//! compare ours with. Ruma has state resolution v2 and v2.1 only (not v1).
//!
//! Ruma takes, besides the state maps, the full auth chain of each state set and (v2.1) the
//! conflicted state subgraph; both are computed here from the events, independently of our
//! resolver's own code.

use ruma_common::room_version_rules::RoomVersionRules;
use ruma_common::{
    EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId,
    RoomVersionId, UserId,
};
use ruma_events::{StateEventType, TimelineEventType};
use ruma_state_res::utils::event_id_set::EventIdSet;
use ruma_state_res::Event;
use serde_json::value::RawValue;
use state_res::pdu::Pdu;
use state_res::resolve::StateMap;
use state_res::room_version::RoomVersion;
use std::collections::{HashMap, HashSet};

/// One of our PDUs in Ruma's types.
pub struct RumaEvent {
    event_id: OwnedEventId,
    room_id: OwnedRoomId,
    sender: OwnedUserId,
    origin_server_ts: MilliSecondsSinceUnixEpoch,
    event_type: TimelineEventType,
    content: Box<RawValue>,
    state_key: Option<String>,
    prev_events: Vec<OwnedEventId>,
    auth_events: Vec<OwnedEventId>,
    redacts: Option<OwnedEventId>,
    rejected: bool,
}

fn event_id(id: &str) -> OwnedEventId {
    EventId::parse(id).unwrap_or_else(|e| panic!("ruma rejects event id {id}: {e}"))
}

impl RumaEvent {
    pub fn new(pdu: &Pdu, rejected: bool) -> Self {
        let content = serde_json::to_string(pdu.content()).expect("serialisable content");
        Self {
            event_id: event_id(pdu.event_id()),
            room_id: RoomId::parse(pdu.room_id()).expect("ruma parses the room id"),
            sender: UserId::parse(pdu.sender()).expect("ruma parses the sender"),
            origin_server_ts: MilliSecondsSinceUnixEpoch(
                js_int::UInt::try_from(pdu.origin_server_ts()).expect("positive timestamp"),
            ),
            event_type: TimelineEventType::from(pdu.event_type()),
            content: RawValue::from_string(content).expect("raw JSON"),
            state_key: pdu.state_key().map(str::to_owned),
            prev_events: pdu.prev_events().iter().map(|id| event_id(id)).collect(),
            auth_events: pdu.auth_events().iter().map(|id| event_id(id)).collect(),
            redacts: pdu.redacts().map(event_id),
            rejected,
        }
    }
}

impl Event for RumaEvent {
    type Id = OwnedEventId;

    fn event_id(&self) -> &Self::Id {
        &self.event_id
    }
    fn room_id(&self) -> Option<&RoomId> {
        Some(&self.room_id)
    }
    fn sender(&self) -> &UserId {
        &self.sender
    }
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch {
        self.origin_server_ts
    }
    fn event_type(&self) -> &TimelineEventType {
        &self.event_type
    }
    fn content(&self) -> &RawValue {
        &self.content
    }
    fn state_key(&self) -> Option<&str> {
        self.state_key.as_deref()
    }
    fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &Self::Id> + '_> {
        Box::new(self.prev_events.iter())
    }
    fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &Self::Id> + '_> {
        Box::new(self.auth_events.iter())
    }
    fn redacts(&self) -> Option<&Self::Id> {
        self.redacts.as_ref()
    }
    fn rejected(&self) -> bool {
        self.rejected
    }
}

/// Ruma's rules for one of our room versions.
pub fn rules(version: &RoomVersion) -> RoomVersionRules {
    RoomVersionId::try_from(version.id)
        .ok()
        .and_then(|id| id.rules())
        .expect("ruma knows the room version")
}

/// A room's events in Ruma's types, with each event's auth chain.
pub struct RumaRoom {
    pub rules: RoomVersionRules,
    pub events: HashMap<OwnedEventId, RumaEvent, foldhash::fast::RandomState>,
}

pub type RumaStateMap = ruma_state_res::StateMap<OwnedEventId>;

impl RumaRoom {
    pub fn new<'a>(
        version: &RoomVersion,
        events: impl IntoIterator<Item = &'a Pdu>,
        is_rejected: impl Fn(&str) -> bool,
    ) -> Self {
        let events = events
            .into_iter()
            .map(|pdu| {
                let event = RumaEvent::new(pdu, is_rejected(pdu.event_id()));
                (event.event_id.clone(), event)
            })
            .collect();
        Self {
            rules: rules(version),
            events,
        }
    }

    /// Adds one more event (rooms grow while they are generated).
    pub fn add(&mut self, pdu: &Pdu, rejected: bool) {
        let event = RumaEvent::new(pdu, rejected);
        self.events.insert(event.event_id.clone(), event);
    }

    /// The auth chain of a set of events: everything reachable through `auth_events`, the
    /// starting events excluded unless reachable from another.
    pub fn auth_chain<'a>(
        &'a self,
        roots: impl IntoIterator<Item = &'a OwnedEventId>,
    ) -> EventIdSet<OwnedEventId> {
        let mut seen: HashSet<&OwnedEventId> = HashSet::new();
        let mut stack: Vec<&OwnedEventId> = Vec::new();
        for root in roots {
            if let Some(event) = self.events.get(root) {
                stack.extend(&event.auth_events);
            }
        }
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                if let Some(event) = self.events.get(id) {
                    stack.extend(&event.auth_events);
                }
            }
        }
        seen.into_iter().cloned().collect()
    }

    /// The conflicted state subgraph (spec `rooms/v12.md`): events on an auth path from one
    /// conflicted event to another, endpoints included — reachable from a conflicted event and
    /// reaching one.
    pub fn conflicted_subgraph(&self, conflicted: &[&OwnedEventId]) -> EventIdSet<OwnedEventId> {
        let mut below: HashSet<&OwnedEventId> = HashSet::new();
        let mut stack: Vec<&OwnedEventId> = conflicted.to_vec();
        while let Some(id) = stack.pop() {
            if below.insert(id) {
                if let Some(event) = self.events.get(id) {
                    stack.extend(&event.auth_events);
                }
            }
        }
        let targets: HashSet<&OwnedEventId> = conflicted.iter().copied().collect();
        let mut memo: HashMap<&OwnedEventId, bool> = HashMap::new();
        below
            .iter()
            .filter(|id| self.reaches(id, &targets, &mut memo))
            .map(|id| (*id).clone())
            .collect()
    }

    /// Whether `id` is a target or reaches one through auth events (memoised, iterative).
    fn reaches<'a>(
        &'a self,
        id: &'a OwnedEventId,
        targets: &HashSet<&OwnedEventId>,
        memo: &mut HashMap<&'a OwnedEventId, bool>,
    ) -> bool {
        let mut stack = vec![(id, false)];
        while let Some((current, expanded)) = stack.pop() {
            if memo.contains_key(current) {
                continue;
            }
            let auth = self
                .events
                .get(current)
                .map(|e| e.auth_events.as_slice())
                .unwrap_or_default();
            if targets.contains(current) {
                memo.insert(current, true);
            } else if expanded {
                let result = auth.iter().any(|a| memo.get(a).copied().unwrap_or(false));
                memo.insert(current, result);
            } else {
                stack.push((current, true));
                stack.extend(
                    auth.iter()
                        .filter(|a| !memo.contains_key(a))
                        .map(|a| (a, false)),
                );
            }
        }
        memo[id]
    }

    pub fn to_ruma(state: &StateMap) -> RumaStateMap {
        state
            .iter()
            .map(|((kind, state_key), id)| {
                (
                    (StateEventType::from(kind.as_str()), state_key.clone()),
                    event_id(id),
                )
            })
            .collect()
    }

    pub fn from_ruma(state: &RumaStateMap) -> StateMap {
        state
            .iter()
            .map(|((kind, state_key), id)| ((kind.to_string(), state_key.clone()), id.to_string()))
            .collect()
    }

    /// The auth chains Ruma needs for `sets`.
    pub fn auth_chains(&self, sets: &[RumaStateMap]) -> Vec<EventIdSet<OwnedEventId>> {
        sets.iter()
            .map(|set| self.auth_chain(set.values()))
            .collect()
    }

    /// Ruma's resolution of `sets`, given their auth chains.
    pub fn resolve_with_chains(
        &self,
        sets: &[RumaStateMap],
        chains: Vec<EventIdSet<OwnedEventId>>,
    ) -> Result<RumaStateMap, String> {
        let v2 = self
            .rules
            .state_res
            .v2_rules()
            .ok_or("ruma has no state resolution v1")?;
        let fetch = |id: &EventId| self.events.get(id);
        let subgraph = |conflicted: &ruma_state_res::StateMap<Vec<OwnedEventId>>| {
            let ids: Vec<&OwnedEventId> = conflicted.values().flatten().collect();
            Some(self.conflicted_subgraph(&ids))
        };
        ruma_state_res::resolve(&self.rules.authorization, v2, sets, chains, fetch, subgraph)
            .map_err(|e| e.to_string())
    }

    /// Ruma's resolution of our state maps.
    pub fn resolve(&self, sets: &[StateMap]) -> Result<StateMap, String> {
        let sets: Vec<RumaStateMap> = sets.iter().map(Self::to_ruma).collect();
        let chains = self.auth_chains(&sets);
        self.resolve_with_chains(&sets, chains)
            .map(|s| Self::from_ruma(&s))
    }
}
