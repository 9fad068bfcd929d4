//! A seeded random room-DAG generator for state resolution tests.
//!
//! A room starts with its create event, the creator's join, power levels and join rules, and a
//! few joins; then 2–6 branches fork from random earlier events, each branch adds concurrent
//! membership changes (join, leave, invite, kick, ban, unban, knock), power level changes
//! (promote, demote, change `ban`/`kick`/`invite`/`state_default`/event levels), join rule
//! changes, topics, names and other state, some of which fail auth (senders without power,
//! banned or demoted users on stale forks). Branches merge through events with several prev
//! events; the last event merges them all.
//!
//! The state before each event is the resolution, with our resolver, of the states after its prev
//! events. Every merge whose prev states differ is reported to the caller's hook, which compares
//! or checks that resolution.

use super::room::{server_of, NewEvent, Room};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use state_res::auth::PowerLevel;
use state_res::canonical_json::Object;
use state_res::resolve::StateMap;
use state_res::room_version::RoomVersion;

/// The room's users, on four servers. The first is the creator.
pub const USERS: [&str; 8] = [
    "@alice:a.test",
    "@bob:b.test",
    "@carol:c.test",
    "@dan:a.test",
    "@erin:b.test",
    "@finn:c.test",
    "@gus:d.test",
    "@hana:d.test",
];

const BASE_TS: i64 = 1_700_000_000_000;

/// The single levels of `m.room.power_levels` and their defaults.
const LEVELS: [(&str, i64); 7] = [
    ("users_default", 0),
    ("events_default", 0),
    ("state_default", 50),
    ("ban", 50),
    ("redact", 50),
    ("kick", 50),
    ("invite", 0),
];

/// A merge point: the prev events' states and our resolution of them.
pub struct Merge<'a> {
    pub room: &'a Room,
    pub prevs: &'a [String],
    pub sets: &'a [StateMap],
    pub resolved: &'a StateMap,
}

struct Gen {
    rng: StdRng,
    room: Room,
    /// Accepted events, candidates for fork points.
    history: Vec<String>,
    steps: i64,
}

/// Builds one random room of `version` from `seed`, calling `on_merge` at every merge point.
pub fn generate(seed: u64, version: RoomVersion, on_merge: &mut dyn FnMut(&Merge<'_>)) -> Room {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut extra = Object::new();
    if version.privileged_creators && rng.gen_bool(0.3) {
        extra.insert("additional_creators".into(), json!([USERS[1]]));
    }
    let room = Room::create(version, USERS[0], extra, BASE_TS, seed);
    let mut gen = Gen {
        rng,
        history: vec![room.create_id.clone()],
        room,
        steps: 0,
    };
    let tip = gen.setup();
    let max_branches = gen.rng.gen_range(2..=6);
    let steps = gen.rng.gen_range(12..40);
    let mut branches = vec![tip];
    for _ in 0..steps {
        let roll: f64 = gen.rng.gen();
        if branches.len() < max_branches && (roll < 0.2 || branches.len() == 1) {
            // Fork from a random earlier accepted event (not the create event).
            let point = gen.history[gen.rng.gen_range(1..gen.history.len())].clone();
            branches.push(point);
        } else if branches.len() >= 2 && roll < 0.4 {
            let count = gen.rng.gen_range(2..=branches.len());
            branches.shuffle(&mut gen.rng);
            let mut prevs: Vec<String> = branches[..count].to_vec();
            prevs.sort();
            prevs.dedup();
            if let Some(id) = gen.step(&prevs, on_merge) {
                branches.drain(..count);
                branches.push(id);
            }
        } else {
            let i = gen.rng.gen_range(0..branches.len());
            if let Some(id) = gen.step(&[branches[i].clone()], on_merge) {
                branches[i] = id;
            }
        }
    }
    // Merge everything; a merge event may be rejected, so try a few times.
    branches.sort();
    branches.dedup();
    for _ in 0..10 {
        if branches.len() < 2 || gen.step(&branches, on_merge).is_some() {
            break;
        }
    }
    gen.room
}

impl Gen {
    fn ts(&mut self) -> i64 {
        self.steps += 1;
        // Ties are common (three events per tick), with some clock skew.
        BASE_TS + self.steps / 3 + self.rng.gen_range(-2..=2)
    }

    /// Adds a linear event; returns its id (the setup events are always accepted).
    fn linear(&mut self, tip: &str, new: NewEvent) -> String {
        let prevs = [tip.to_owned()];
        let (_, before) = self.room.state_before(&prevs);
        let (id, accepted) = self.room.add(&new, &prevs, &before, &before);
        assert!(accepted, "setup event rejected:\n{}", self.room.describe());
        self.history.push(id.clone());
        id
    }

    /// Creator join, power levels, join rules and 2–5 more members.
    fn setup(&mut self) -> String {
        let creator = USERS[0];
        let ts = self.ts();
        let create = self.room.create_id.clone();
        let join = NewEvent::state(
            "m.room.member",
            creator,
            creator,
            json!({"membership": "join"}),
            ts,
        );
        let mut tip = self.linear(&create, join);
        let mut users = serde_json::Map::new();
        if !self.room.version.privileged_creators {
            users.insert(creator.into(), json!(100));
        }
        users.insert(USERS[2].into(), json!(50));
        let content = json!({
            "users": users, "users_default": 0, "events_default": 0, "state_default": 50,
            "ban": 50, "kick": 50, "invite": 0, "redact": 50,
            "events": {"m.room.power_levels": 100, "m.room.name": 50, "m.room.topic": 0},
        });
        let ts = self.ts();
        tip = self.linear(
            &tip,
            NewEvent::state("m.room.power_levels", creator, "", content, ts),
        );
        let ts = self.ts();
        let rules = json!({"join_rule": "public"});
        tip = self.linear(
            &tip,
            NewEvent::state("m.room.join_rules", creator, "", rules, ts),
        );
        let joiners = self.rng.gen_range(2..=5);
        for user in &USERS[1..=joiners] {
            let ts = self.ts();
            let join = NewEvent::state(
                "m.room.member",
                user,
                user,
                json!({"membership": "join"}),
                ts,
            );
            tip = self.linear(&tip, join);
        }
        tip
    }

    /// One random event after `prevs`: reports the merge, picks an action from the state before,
    /// adds it. Returns the id if accepted.
    fn step(&mut self, prevs: &[String], on_merge: &mut dyn FnMut(&Merge<'_>)) -> Option<String> {
        let (sets, before) = self.room.state_before(prevs);
        if sets.iter().any(|s| *s != sets[0]) {
            on_merge(&Merge {
                room: &self.room,
                prevs,
                sets: &sets,
                resolved: &before,
            });
        }
        let mut new = self.choose(&before);
        // Now and then a server builds on stale auth events: those of an earlier state on
        // the same line of history (only accepted if still allowed by the state before).
        let mut auth_state = if self.rng.gen_bool(0.05) {
            let ancestor = self.ancestor(&prevs[0]);
            self.room.state_after[&ancestor].clone()
        } else {
            before.clone()
        };
        // Every join cites a join rules event. Without one Synapse (and we) treat the room as
        // invite-only while Ruma rejects every join; that case is kept as a fixture
        // (`fixtures/resolve/ruma_divergence_join_without_join_rules_v10.json`) and left out of
        // the random comparison. Only a join reads the join rule when there is none.
        if is_join(&new)
            && self
                .room
                .get(&auth_state, "m.room.join_rules", "")
                .is_none()
        {
            auth_state = before.clone();
            if self.room.get(&before, "m.room.join_rules", "").is_none() {
                let ts = new.ts;
                new = NewEvent::state(
                    "m.room.join_rules",
                    USERS[0],
                    "",
                    json!({"join_rule": "public"}),
                    ts,
                );
            }
        }
        let (id, accepted) = self.room.add(&new, prevs, &before, &auth_state);
        accepted.then(|| {
            self.history.push(id.clone());
            id
        })
    }

    /// A random ancestor of `id` through first prev events, up to 6 steps back.
    fn ancestor(&mut self, id: &str) -> String {
        let mut current = id.to_owned();
        for _ in 0..self.rng.gen_range(1..=6) {
            match self.room.event(&current).prev_events().first() {
                Some(prev) if prev != &self.room.create_id => current = prev.clone(),
                _ => break,
            }
        }
        current
    }

    fn pick(&mut self, from: &[&'static str]) -> &'static str {
        from.choose(&mut self.rng).copied().unwrap_or(USERS[0])
    }

    fn users_with(
        &self,
        state: &StateMap,
        test: impl Fn(Option<&str>) -> bool,
    ) -> Vec<&'static str> {
        USERS
            .iter()
            .copied()
            .filter(|u| test(self.room.membership(state, u)))
            .collect()
    }

    /// A sender: usually a joined user with at least `needed` power, sometimes anyone.
    fn sender(&mut self, state: &StateMap, needed: PowerLevel) -> &'static str {
        let levels = self.room.power_levels(state);
        let able: Vec<&'static str> = self
            .users_with(state, |m| m == Some("join"))
            .into_iter()
            .filter(|u| levels.user_level(u) >= needed)
            .collect();
        if able.is_empty() || self.rng.gen_bool(0.15) {
            self.pick(&USERS)
        } else {
            self.pick(&able)
        }
    }

    fn choose(&mut self, state: &StateMap) -> NewEvent {
        let ts = self.ts();
        let version = self.room.version;
        let levels = self.room.power_levels(state);
        let member = |target: &str, sender: &str, membership: &str| {
            NewEvent::state(
                "m.room.member",
                sender,
                target,
                json!({"membership": membership}),
                ts,
            )
        };
        let joined = self.users_with(state, |m| m == Some("join"));
        let outside = self.users_with(state, |m| !matches!(m, Some("join" | "ban")));
        let banned = self.users_with(state, |m| m == Some("ban"));
        match self.rng.gen_range(0..100) {
            0..=11 => {
                let user = self.pick(&outside);
                self.join(state, user, ts)
            }
            12..=17 => {
                let user = self.pick(&joined);
                member(user, user, "leave")
            }
            18..=25 => {
                let sender = self.sender(state, levels.invite_level());
                let target = self.pick(&outside);
                member(target, sender, "invite")
            }
            26..=33 => {
                let sender = self.sender(state, levels.kick_level());
                let target = self.pick(&joined);
                member(target, sender, "leave")
            }
            34..=39 => {
                let sender = self.sender(state, levels.ban_level());
                let target = self.pick(&USERS);
                member(target, sender, "ban")
            }
            40..=44 => {
                let sender = self.sender(state, levels.ban_level());
                let target = if banned.is_empty() {
                    self.pick(&USERS)
                } else {
                    self.pick(&banned)
                };
                member(target, sender, "leave")
            }
            45..=47 if version.knocking => {
                let user = self.pick(&outside);
                member(user, user, "knock")
            }
            45..=61 => self.power_levels(state, ts),
            62..=69 => {
                let sender = self.sender(state, levels.event_level("m.room.join_rules", true));
                let mut rules = vec!["public", "invite"];
                if version.knocking {
                    rules.push("knock");
                }
                if version.restricted_joins {
                    rules.push("restricted");
                }
                if version.knock_restricted {
                    rules.push("knock_restricted");
                }
                let rule = self.pick(&rules);
                let mut content = json!({"join_rule": rule});
                if rule.ends_with("restricted") {
                    content["allow"] =
                        json!([{"type": "m.room_membership", "room_id": "!other:a.test"}]);
                }
                NewEvent::state("m.room.join_rules", sender, "", content, ts)
            }
            70..=81 => {
                let (kind, field) = *[("m.room.topic", "topic"), ("m.room.name", "name")]
                    .choose(&mut self.rng)
                    .unwrap_or(&("m.room.topic", "topic"));
                let sender = self.sender(state, levels.event_level(kind, true));
                NewEvent::state(
                    kind,
                    sender,
                    "",
                    json!({ field: format!("{kind} at {ts}") }),
                    ts,
                )
            }
            82..=91 => {
                let sender = self.sender(state, levels.event_level("org.example.state", true));
                let state_key = match self.rng.gen_range(0..3) {
                    0 => "",
                    1 => "k",
                    // A key starting with `@` must be the sender (rule 8) — or someone else's.
                    _ => self.pick(&USERS),
                };
                NewEvent::state(
                    "org.example.state",
                    sender,
                    state_key,
                    json!({"at": ts}),
                    ts,
                )
            }
            _ => {
                let sender = self.sender(state, levels.event_level("m.room.message", false));
                NewEvent {
                    kind: "m.room.message".into(),
                    sender: sender.into(),
                    state_key: None,
                    content: json!({"msgtype": "m.text", "body": "hello"}),
                    ts,
                    extra_signers: Vec::new(),
                }
            }
        }
    }

    /// `user` joins: directly, via an invite, or (restricted rooms) authorised by a member.
    fn join(&mut self, state: &StateMap, user: &'static str, ts: i64) -> NewEvent {
        let mut new = NewEvent::state(
            "m.room.member",
            user,
            user,
            json!({"membership": "join"}),
            ts,
        );
        let rule = self.room.join_rule(state);
        if rule.ends_with("restricted") && self.room.membership(state, user) != Some("invite") {
            let levels = self.room.power_levels(state);
            let authoriser = self.sender(state, levels.invite_level());
            new.content["join_authorised_via_users_server"] = json!(authoriser);
            new.extra_signers.push(server_of(authoriser).to_owned());
        }
        new
    }

    /// A power levels change from the current content: promote or demote a user, or change one
    /// of the action levels.
    fn power_levels(&mut self, state: &StateMap, ts: i64) -> NewEvent {
        let version = self.room.version;
        let levels = self.room.power_levels(state);
        let sender = self.sender(state, levels.event_level("m.room.power_levels", true));
        let mut content = self.room.power_levels_content(state);
        // Every power levels event states all seven single levels, as Synapse writes them. Adding
        // or removing one is where Ruma and Synapse read the auth rules differently (Ruma compares
        // the default of an absent level); that case is kept as a fixture
        // (`fixtures/resolve/ruma_divergence_added_level_v10.json`) and left out of the random
        // comparison.
        for (field, default) in LEVELS {
            content.entry(field).or_insert(json!(default));
        }
        let level = *[0, 0, 25, 50, 50, 75, 100]
            .choose(&mut self.rng)
            .unwrap_or(&0);
        // Strings are valid levels before room version 10.
        let value = if !version.integer_power_levels && self.rng.gen_bool(0.1) {
            json!(level.to_string())
        } else {
            json!(level)
        };
        match self.rng.gen_range(0..10) {
            0..=5 => {
                let mut target = self.pick(&USERS);
                // v12 creators may not appear in `users` (a few tries still do, and fail).
                if version.privileged_creators && self.rng.gen_bool(0.9) {
                    target = self.pick(&USERS[2..]);
                }
                let users = content.entry("users").or_insert_with(|| json!({}));
                if let Some(users) = users.as_object_mut() {
                    if level == 0 && self.rng.gen_bool(0.5) {
                        users.remove(target);
                    } else {
                        users.insert(target.into(), value);
                    }
                }
            }
            6 => {
                let events = content.entry("events").or_insert_with(|| json!({}));
                let kind = *[
                    "m.room.topic",
                    "m.room.name",
                    "org.example.state",
                    "m.room.join_rules",
                ]
                .choose(&mut self.rng)
                .unwrap_or(&"m.room.topic");
                if let Some(events) = events.as_object_mut() {
                    events.insert(kind.into(), value);
                }
            }
            _ => {
                let field = *[
                    "ban",
                    "kick",
                    "invite",
                    "state_default",
                    "users_default",
                    "redact",
                ]
                .choose(&mut self.rng)
                .unwrap_or(&"ban");
                content.insert(field.into(), value);
            }
        }
        NewEvent::state(
            "m.room.power_levels",
            sender,
            "",
            Value::Object(content),
            ts,
        )
    }
}

/// Whether `new` is a join (other than the creator's first, which has no join rules to read).
fn is_join(new: &NewEvent) -> bool {
    new.kind == "m.room.member" && new.content["membership"] == "join"
}

/// Describes a merge point for a failure report.
pub fn describe_merge(merge: &Merge<'_>) -> String {
    let room = merge.room;
    let mut out = room.describe();
    let prevs: Vec<String> = merge.prevs.iter().map(|p| room.name(p)).collect();
    out += &format!("merge of [{}]\n", prevs.join(", "));
    for (i, set) in merge.sets.iter().enumerate() {
        out += &format!("state set {i}:\n{}", room.describe_state(set));
    }
    out
}

/// The keys on which two state maps differ, for a failure report.
pub fn diff(room: &Room, ours: &StateMap, theirs: &StateMap) -> String {
    let mut keys: Vec<&(String, String)> = ours.keys().chain(theirs.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| ours.get(*k) != theirs.get(*k))
        .map(|k| {
            let show = |m: &StateMap| m.get(k).map_or("-".into(), |id| room.name(id));
            format!(
                "  {}[{}]: ours {} / theirs {}\n",
                k.0,
                k.1,
                show(ours),
                show(theirs)
            )
        })
        .collect()
}
