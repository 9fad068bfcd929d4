//! A room under construction, for the state resolution tests and benchmark: real PDUs of a room
//! version (hashed, unsigned; ids computed by `Pdu::from_json`), the state after each accepted
//! event, and which events were rejected.
//!
//! An event's auth events are chosen by `auth_types_for_event` from a state the caller gives
//! (normally the state before the event); it is rejected when it fails the authorization rules
//! against its auth events (rule 2 included), or against the state before it (receipt check 5).
//! Rejected events stay in the room but carry no state.

use serde_json::{json, Value};
use state_res::auth::{auth_types_for_event, check_auth, check_auth_events, PowerLevels};
use state_res::base64;
use state_res::canonical_json::Object;
use state_res::pdu::{compute_content_hash, Pdu};
use state_res::resolve::{resolve, ResolveError, StateMap};
use state_res::room_version::{EventIdFormat, RoomVersion};
use std::collections::{HashMap, HashSet};

/// An event to add: everything but the references and the hashes.
pub struct NewEvent {
    pub kind: String,
    pub sender: String,
    pub state_key: Option<String>,
    pub content: Value,
    pub ts: i64,
    /// Servers whose (dummy) signature the event carries besides the sender's; a restricted join
    /// needs the authorising server's.
    pub extra_signers: Vec<String>,
}

impl NewEvent {
    pub fn state(kind: &str, sender: &str, state_key: &str, content: Value, ts: i64) -> Self {
        Self {
            kind: kind.to_owned(),
            sender: sender.to_owned(),
            state_key: Some(state_key.to_owned()),
            content,
            ts,
            extra_signers: Vec::new(),
        }
    }
}

pub struct Room {
    pub version: RoomVersion,
    pub room_id: String,
    pub create_id: String,
    pub events: HashMap<String, Pdu>,
    /// Event ids in creation order.
    pub order: Vec<String>,
    pub rejected: HashSet<String>,
    /// The state after each accepted event.
    pub state_after: HashMap<String, StateMap>,
    counter: u64,
}

pub fn server_of(user_id: &str) -> &str {
    user_id.split_once(':').map_or("", |(_, server)| server)
}

pub fn key(kind: &str, state_key: &str) -> (String, String) {
    (kind.to_owned(), state_key.to_owned())
}

impl Room {
    /// Starts a room with its create event, sent by `creator` at `ts`; `extra` is merged into
    /// the create content (e.g. v12 `additional_creators`).
    pub fn create(version: RoomVersion, creator: &str, extra: Object, ts: i64, tag: u64) -> Self {
        let mut content = json!({"room_version": version.id});
        if !version.creator_is_sender {
            content["creator"] = json!(creator);
        }
        content.as_object_mut().unwrap().extend(extra);
        let mut room = Room {
            version,
            room_id: format!("!r{tag}:{}", server_of(creator)),
            create_id: String::new(),
            events: HashMap::new(),
            order: Vec::new(),
            rejected: HashSet::new(),
            state_after: HashMap::new(),
            counter: 0,
        };
        let create = NewEvent::state("m.room.create", creator, "", content, ts);
        let (pdu, _) = room.build(&create, &[], &StateMap::new());
        room.room_id = pdu.room_id().to_owned();
        room.create_id = pdu.event_id().to_owned();
        assert!(room.passes(&pdu, &[]), "the create event is valid");
        room.insert(pdu, false, &StateMap::new());
        room
    }

    pub fn event(&self, id: &str) -> &Pdu {
        &self.events[id]
    }

    pub fn create_event(&self) -> &Pdu {
        &self.events[&self.create_id]
    }

    /// Our resolution of `sets` (the state before an event whose prev events have these states).
    pub fn resolve(&self, sets: &[StateMap]) -> Result<StateMap, ResolveError> {
        let source = (
            |id: &str| self.events.get(id),
            |id: &str| self.rejected.contains(id),
        );
        resolve(&self.version, &self.room_id, sets, &source)
    }

    /// The state before an event whose prev events are `prevs` (all accepted): their states
    /// after, resolved with our resolver.
    pub fn state_before(&self, prevs: &[String]) -> (Vec<StateMap>, StateMap) {
        let sets: Vec<StateMap> = prevs.iter().map(|p| self.state_after[p].clone()).collect();
        let resolved = match sets.as_slice() {
            [only] => only.clone(),
            _ => self
                .resolve(&sets)
                .unwrap_or_else(|e| panic!("resolving the prev states failed: {e}")),
        };
        (sets, resolved)
    }

    /// Adds `new` after `prevs`, with auth events from `auth_state`, checked against them and
    /// against `before`. Returns the event id and whether it was accepted.
    pub fn add(
        &mut self,
        new: &NewEvent,
        prevs: &[String],
        before: &StateMap,
        auth_state: &StateMap,
    ) -> (String, bool) {
        let (pdu, auth_ids) = self.build(new, prevs, auth_state);
        let mut accepted = self.passes(&pdu, &auth_ids);
        if accepted && auth_state != before {
            let before_ids: Vec<String> = self.auth_ids(new, before);
            accepted = self.passes_state(&pdu, &before_ids);
        }
        let id = self.insert(pdu, !accepted, before);
        (id, accepted)
    }

    fn auth_ids(&self, new: &NewEvent, state: &StateMap) -> Vec<String> {
        let content = new.content.as_object().cloned().unwrap_or_default();
        auth_types_for_event(
            &self.version,
            &new.kind,
            &new.sender,
            new.state_key.as_deref(),
            &content,
        )
        .into_iter()
        .filter_map(|k| state.get(&k).cloned())
        .collect()
    }

    fn reference(&self, id: &str) -> Value {
        if self.version.event_id_format == EventIdFormat::Random {
            json!([id, {"sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}])
        } else {
            json!(id)
        }
    }

    fn build(
        &mut self,
        new: &NewEvent,
        prevs: &[String],
        auth_state: &StateMap,
    ) -> (Pdu, Vec<String>) {
        let auth_ids = self.auth_ids(new, auth_state);
        let depth = prevs
            .iter()
            .map(|p| self.events[p].depth())
            .max()
            .unwrap_or(0)
            + 1;
        let mut signatures = Object::new();
        for server in std::iter::once(server_of(&new.sender))
            .chain(new.extra_signers.iter().map(String::as_str))
        {
            signatures.insert(server.to_owned(), json!({"ed25519:1": "c2lnbmF0dXJl"}));
        }
        let mut json = json!({
            "type": new.kind,
            "sender": new.sender,
            "content": new.content,
            "prev_events": prevs.iter().map(|p| self.reference(p)).collect::<Vec<_>>(),
            "auth_events": auth_ids.iter().map(|a| self.reference(a)).collect::<Vec<_>>(),
            "depth": depth,
            "origin_server_ts": new.ts,
            "signatures": signatures,
        });
        let object = json.as_object_mut().unwrap();
        if let Some(state_key) = &new.state_key {
            object.insert("state_key".into(), json!(state_key));
        }
        let v12_create = self.version.room_id_is_create_hash && new.kind == "m.room.create";
        if !v12_create {
            object.insert("room_id".into(), json!(self.room_id));
        }
        self.counter += 1;
        if self.version.event_id_format == EventIdFormat::Random {
            let id = format!("$e{}:{}", self.counter, server_of(&new.sender));
            object.insert("event_id".into(), json!(id));
        }
        let hash = compute_content_hash(object).expect("hashable event");
        object.insert("hashes".into(), json!({"sha256": base64::encode(hash)}));
        let pdu = Pdu::from_json(object.clone(), &self.version)
            .unwrap_or_else(|e| panic!("generated an invalid PDU ({e}): {json}"));
        (pdu, auth_ids)
    }

    /// Rule 2 and the other rules against the event's own auth events.
    fn passes(&self, pdu: &Pdu, auth_ids: &[String]) -> bool {
        let auth: Vec<&Pdu> = auth_ids.iter().map(|a| &self.events[a]).collect();
        let is_rejected = |id: &str| self.rejected.contains(id);
        check_auth_events(&self.version, pdu, &auth, is_rejected).is_ok()
            && self.passes_state(pdu, auth_ids)
    }

    /// The authorization rules against a state given as the events of the needed keys.
    fn passes_state(&self, pdu: &Pdu, ids: &[String]) -> bool {
        let by_key: HashMap<(&str, &str), &Pdu> = ids
            .iter()
            .map(|id| &self.events[id])
            .filter(|e| !self.rejected.contains(e.event_id()))
            .map(|e| ((e.event_type(), e.state_key().unwrap_or("")), e))
            .collect();
        let create = self.events.get(&self.create_id);
        let v12 = self.version.room_id_is_create_hash;
        let lookup = |kind: &str, state_key: &str| {
            if v12 && kind == "m.room.create" && state_key.is_empty() {
                return create;
            }
            by_key.get(&(kind, state_key)).copied()
        };
        check_auth(&self.version, pdu, lookup).is_ok()
    }

    fn insert(&mut self, pdu: Pdu, rejected: bool, before: &StateMap) -> String {
        let id = pdu.event_id().to_owned();
        if rejected {
            self.rejected.insert(id.clone());
        } else {
            let mut after = before.clone();
            if let Some(state_key) = pdu.state_key() {
                after.insert(key(pdu.event_type(), state_key), id.clone());
            }
            self.state_after.insert(id.clone(), after);
        }
        self.order.push(id.clone());
        self.events.insert(id.clone(), pdu);
        id
    }

    /// The event holding `(kind, state_key)` in `state`.
    pub fn get<'s>(&'s self, state: &StateMap, kind: &str, state_key: &str) -> Option<&'s Pdu> {
        state.get(&key(kind, state_key)).map(|id| &self.events[id])
    }

    pub fn membership<'s>(&'s self, state: &StateMap, user: &str) -> Option<&'s str> {
        self.get(state, "m.room.member", user)
            .and_then(|e| e.content().get("membership"))
            .and_then(Value::as_str)
    }

    pub fn join_rule<'s>(&'s self, state: &StateMap) -> &'s str {
        self.get(state, "m.room.join_rules", "")
            .and_then(|e| e.content().get("join_rule"))
            .and_then(Value::as_str)
            .unwrap_or("invite")
    }

    pub fn power_levels(&self, state: &StateMap) -> PowerLevels<'_> {
        let pl = self.get(state, "m.room.power_levels", "");
        PowerLevels::from_state(&self.version, Some(self.create_event()), pl)
    }

    /// The content of the current power levels event (empty without one).
    pub fn power_levels_content(&self, state: &StateMap) -> Object {
        self.get(state, "m.room.power_levels", "")
            .map(|e| e.content().clone())
            .unwrap_or_default()
    }

    /// A short name for an event in reports: its position in creation order.
    pub fn name(&self, id: &str) -> String {
        match self.order.iter().position(|o| o == id) {
            Some(i) => format!("E{i}"),
            None => id.to_owned(),
        }
    }

    /// One line per event: name, type, state key, sender, content, prev and auth events.
    pub fn describe(&self) -> String {
        let mut out = format!("room {} (version {})\n", self.room_id, self.version.id);
        for id in &self.order {
            let e = &self.events[id];
            let names = |ids: &[String]| {
                ids.iter()
                    .map(|i| self.name(i))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            out += &format!(
                "{} {} {}[{}] by {} ts={} depth={} {} prev=[{}] auth=[{}]{}\n",
                self.name(id),
                id,
                e.event_type(),
                e.state_key().unwrap_or("-"),
                e.sender(),
                e.origin_server_ts(),
                e.depth(),
                Value::Object(e.content().clone()),
                names(e.prev_events()),
                names(e.auth_events()),
                if self.rejected.contains(id) {
                    " REJECTED"
                } else {
                    ""
                },
            );
        }
        out
    }

    /// A state map as `type[state_key]=name` lines.
    pub fn describe_state(&self, state: &StateMap) -> String {
        state
            .iter()
            .map(|((kind, state_key), id)| format!("  {kind}[{state_key}] = {}\n", self.name(id)))
            .collect()
    }
}
