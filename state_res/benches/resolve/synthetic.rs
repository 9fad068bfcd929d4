//! Synthetic rooms for the state resolution benchmark: a long trunk of membership churn, power
//! level changes and custom state among thousands of users, then forks from its tip, each with
//! concurrent state (distinct and shared custom keys, joins, leaves, kicks, power level changes).
//! Events are real PDUs of the room version (hashed, ids computed); they are built valid, but
//! not checked, so that 100,000 of them take seconds.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use state_res::auth::auth_types_for_event;
use state_res::base64;
use state_res::pdu::{compute_content_hash, Pdu};
use state_res::resolve::StateMap;
use state_res::room_version::RoomVersion;
use std::collections::HashMap;

/// The shape of a synthetic room.
pub struct Shape {
    pub events: usize,
    pub forks: usize,
    /// Custom state keys changed on the forks (half only on one fork, half on all of them).
    pub custom_keys: usize,
}

/// A line of history: its state and its last event.
#[derive(Clone)]
struct Line {
    state: StateMap,
    tip: String,
    depth: i64,
}

pub struct SyntheticRoom {
    pub version: RoomVersion,
    pub room_id: String,
    /// The events by id, as an engine would preload them (with a fast hasher, as Ruma's are
    /// in the benchmark).
    pub events: HashMap<String, Pdu, foldhash::fast::RandomState>,
    /// The state at the tip of each fork: the input to resolve.
    pub state_sets: Vec<StateMap>,
    ts: i64,
    users: Vec<String>,
    moderators: Vec<String>,
    rng: StdRng,
}

impl SyntheticRoom {
    pub fn build(version: RoomVersion, shape: &Shape) -> Self {
        let users: Vec<String> = (0..(shape.events / 20).max(20))
            .map(|i| format!("@u{i}:s{}.test", i % 10))
            .collect();
        let mut room = SyntheticRoom {
            version,
            room_id: "!bench:s0.test".into(),
            events: HashMap::with_capacity_and_hasher(shape.events, Default::default()),
            state_sets: Vec::new(),
            ts: 1_700_000_000_000,
            moderators: users[1..11].to_vec(),
            users,
            rng: StdRng::seed_from_u64(shape.events as u64),
        };
        let mut trunk = room.start();
        let per_fork = (shape.events / 10 / shape.forks).max(shape.custom_keys / shape.forks + 10);
        let trunk_len = shape.events.saturating_sub(per_fork * shape.forks);
        while room.events.len() < trunk_len {
            room.trunk_event(&mut trunk);
        }
        for fork in 0..shape.forks {
            let mut line = trunk.clone();
            let custom = shape.custom_keys / shape.forks;
            for i in 0..per_fork {
                room.fork_event(&mut line, fork, i, custom);
            }
            room.state_sets.push(line.state);
        }
        room
    }

    fn creator(&self) -> String {
        self.users[0].clone()
    }

    /// Create, creator join, power levels (moderators at 50) and public join rules.
    fn start(&mut self) -> Line {
        let creator = self.creator();
        let mut create = json!({"room_version": self.version.id});
        if !self.version.creator_is_sender {
            create["creator"] = json!(creator);
        }
        let mut line = Line {
            state: StateMap::new(),
            tip: String::new(),
            depth: 0,
        };
        self.add(&mut line, "m.room.create", &creator, Some(""), create);
        let join = json!({"membership": "join"});
        self.add(&mut line, "m.room.member", &creator, Some(&creator), join);
        let levels = self.power_levels(&[]);
        self.add(&mut line, "m.room.power_levels", &creator, Some(""), levels);
        let rules = json!({"join_rule": "public"});
        self.add(&mut line, "m.room.join_rules", &creator, Some(""), rules);
        line
    }

    /// Power levels content: the creator at 100 (not listed in v12), moderators at 50 except
    /// `demoted`; anyone may send state, kicks need 50.
    fn power_levels(&self, demoted: &[&str]) -> Value {
        let mut users = serde_json::Map::new();
        if !self.version.privileged_creators {
            users.insert(self.creator(), json!(100));
        }
        for moderator in &self.moderators {
            let level = if demoted.contains(&moderator.as_str()) {
                0
            } else {
                50
            };
            users.insert(moderator.clone(), json!(level));
        }
        json!({
            "users": users, "users_default": 0, "events_default": 0, "state_default": 0,
            "ban": 50, "kick": 50, "invite": 0, "redact": 50, "events": {"m.room.power_levels": 100},
        })
    }

    fn membership<'s>(&'s self, line: &Line, user: &str) -> Option<&'s str> {
        let key = ("m.room.member".to_owned(), user.to_owned());
        let id = line.state.get(&key)?;
        self.events[id].content().get("membership")?.as_str()
    }

    /// A random user joins or leaves.
    fn churn(&mut self, line: &mut Line) {
        let user = self.users[self.rng.gen_range(1..self.users.len())].clone();
        let membership = match self.membership(line, &user) {
            Some("join") => "leave",
            _ => "join",
        };
        let content = json!({"membership": membership});
        self.add(line, "m.room.member", &user, Some(&user), content);
    }

    /// A joined user (the creator if none).
    fn joined_user(&mut self, line: &Line) -> String {
        for _ in 0..20 {
            let user = &self.users[self.rng.gen_range(0..self.users.len())];
            if self.membership(line, user) == Some("join") {
                return user.clone();
            }
        }
        self.creator()
    }

    fn trunk_event(&mut self, line: &mut Line) {
        let roll: f64 = self.rng.gen();
        if roll < 0.55 {
            self.churn(line);
        } else if roll < 0.58 {
            let demoted = self.moderators[self.rng.gen_range(0..10)].clone();
            let content = self.power_levels(&[&demoted]);
            self.add(
                line,
                "m.room.power_levels",
                &self.creator(),
                Some(""),
                content,
            );
        } else {
            let sender = self.joined_user(line);
            let key = format!("k{}", self.rng.gen_range(0..2_000));
            let content = json!({"value": self.ts});
            self.add(line, "org.example.state", &sender, Some(&key), content);
        }
    }

    /// Event `i` of fork `fork`: custom keys first (alternately this fork's own and shared), then
    /// churn, kicks by the creator and one power levels change.
    fn fork_event(&mut self, line: &mut Line, fork: usize, i: usize, custom: usize) {
        let creator = self.creator();
        if i < custom {
            let key = if i % 2 == 0 {
                format!("f{fork}-{i}")
            } else {
                format!("shared-{i}")
            };
            let sender = self.joined_user(line);
            let content = json!({"fork": fork});
            self.add(line, "org.example.state", &sender, Some(&key), content);
        } else if i == custom && fork % 2 == 0 {
            let demoted = self.moderators[fork % 10].clone();
            let content = self.power_levels(&[&demoted]);
            self.add(line, "m.room.power_levels", &creator, Some(""), content);
        } else if i % 7 == 0 {
            let target = self.joined_user(line);
            if target != creator {
                let content = json!({"membership": "leave"});
                self.add(line, "m.room.member", &creator, Some(&target), content);
            }
        } else {
            self.churn(line);
        }
    }

    /// Adds an event after `line`'s tip with auth events from its state.
    fn add(
        &mut self,
        line: &mut Line,
        kind: &str,
        sender: &str,
        key: Option<&str>,
        content: Value,
    ) {
        let object = content.as_object().cloned().unwrap_or_default();
        let auth: Vec<&String> = auth_types_for_event(&self.version, kind, sender, key, &object)
            .iter()
            .filter_map(|k| line.state.get(k))
            .collect();
        self.ts += self.rng.gen_range(0..3);
        let prev: Vec<&String> = (!line.tip.is_empty())
            .then_some(&line.tip)
            .into_iter()
            .collect();
        let mut event = json!({
            "type": kind, "sender": sender, "content": content, "prev_events": prev,
            "auth_events": auth, "depth": line.depth + 1, "origin_server_ts": self.ts,
            "signatures": {},
        });
        if let Some(key) = key {
            event["state_key"] = json!(key);
        }
        if !(self.version.room_id_is_create_hash && kind == "m.room.create") {
            event["room_id"] = json!(self.room_id);
        }
        let object = event.as_object_mut().expect("an object");
        let hash = compute_content_hash(object).expect("hashable");
        object.insert("hashes".into(), json!({"sha256": base64::encode(hash)}));
        let pdu = Pdu::from_json(object.clone(), &self.version).expect("a valid PDU");
        if kind == "m.room.create" {
            self.room_id = pdu.room_id().to_owned();
        }
        let id = pdu.event_id().to_owned();
        if let Some(key) = key {
            line.state
                .insert((kind.to_owned(), key.to_owned()), id.clone());
        }
        line.tip = id.clone();
        line.depth += 1;
        self.events.insert(id, pdu);
    }

    /// Keys whose event is not the same in every state set.
    pub fn conflicted_keys(&self) -> usize {
        let mut keys: Vec<&(String, String)> =
            self.state_sets.iter().flat_map(|s| s.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.iter()
            .filter(|k| {
                let first = self.state_sets[0].get(**k);
                self.state_sets.iter().any(|s| s.get(**k) != first)
            })
            .count()
    }
}
