//! Differential test: every authorization rule fixture case (`tests/fixtures/auth/*.json`) also
//! run through Ruma's implementation (`ruma-state-res`, an independent reading of the same rules),
//! comparing allow/reject per room version.
//!
//! Where we knowingly differ, the case is listed in [`KNOWN_DIFFERENCES`] with the reason; the
//! test fails on any other disagreement and on a listed difference that no longer occurs.

mod auth_support {
    pub mod fixture;
}

use auth_support::fixture::{self, versions};
use ruma_common::room_version_rules::AuthorizationRules;
use ruma_common::{
    EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId,
    RoomVersionId, UserId,
};
use ruma_events::{StateEventType, TimelineEventType};
use ruma_state_res::{check_state_dependent_auth_rules, check_state_independent_auth_rules, Event};
use serde_json::value::RawValue;
use serde_json::Value;
use state_res::auth::{check_auth, check_auth_events};
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;
use std::collections::{BTreeSet, HashMap};

/// `(fixture file, case name, room versions, why)`: cases where Ruma 0.18 decides otherwise.
const KNOWN_DIFFERENCES: &[(&str, &str, &[&str], &str)] = &[
    (
        "member_join.json",
        "an authorised join not signed by the authorising user's server is rejected",
        &["8", "9", "10", "11", "12"],
        "Ruma leaves rule 4.2 (the authorising server's signature) to signature verification; \
         we also check that the signature is present",
    ),
    (
        "member_join.json",
        "join_authorised_via_users_server applies to other memberships too",
        &["8", "9", "10", "11", "12"],
        "as above, for a leave carrying the key",
    ),
    (
        "member_join.json",
        "join_authorised_via_users_server that is not a user id is rejected",
        &["8", "9", "10", "11", "12"],
        "as above: rule 4.2 cannot hold for a key that names no server",
    ),
    (
        "member_join.json",
        "without join rules the room is invite-only: invited user joins",
        ALL,
        "without m.room.join_rules Ruma rejects every join but the creator's; Synapse (and we) \
         take the room as invite-only",
    ),
    (
        "create.json",
        "an unknown room_version is rejected",
        ALL,
        "Ruma takes any string as a (custom) room version; rule 1.3 and Synapse reject versions \
         the server does not know",
    ),
    (
        "create.json",
        "a non-string room_version is rejected",
        ALL,
        "as above",
    ),
    (
        "power_levels.json",
        "v1–v5: notifications is not part of the rules",
        &["1", "2", "3", "4", "5"],
        "Ruma parses notifications in every version; before v6 the rules (and Synapse) ignore it",
    ),
    (
        "power_levels.json",
        "adding a level whose default is above the sender's (only the new value counts, as in Synapse)",
        ALL,
        "Ruma (and gomatrixserverlib) compare the default for an absent current value; Synapse \
         compares only values present (see also tests/fixtures/resolve/ruma_divergence_added_level_v10.json)",
    ),
    (
        "power_levels.json",
        "removing a level whose default is above the sender's (only the current value counts, as in Synapse)",
        ALL,
        "as above, for an absent new value",
    ),
    (
        "room_and_auth_events.json",
        "a state event of another room is rejected",
        ALL,
        "Ruma checks room ids only in its state-independent part, not compared on state cases",
    ),
    (
        "room_and_auth_events.json",
        "v1–v11: an event in another room than its create event is rejected",
        &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"],
        "as above",
    ),
    (
        "room_and_auth_events.json",
        "v12: a room id that is not the create event's is rejected",
        &["12"],
        "as above (v12 rule 2)",
    ),
];

const ALL: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];

/// One of our PDUs in Ruma's types.
struct RumaEvent {
    event_id: OwnedEventId,
    room_id: Option<OwnedRoomId>,
    sender: OwnedUserId,
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
    fn new(pdu: &Pdu, rejected: bool) -> Self {
        let content = serde_json::to_string(pdu.content()).expect("serialisable content");
        Self {
            event_id: event_id(pdu.event_id()),
            // A v12 create event has no `room_id`; ours is derived.
            room_id: pdu
                .json()
                .contains_key("room_id")
                .then(|| RoomId::parse(pdu.room_id()).expect("ruma parses the room id")),
            sender: UserId::parse(pdu.sender()).expect("ruma parses the sender"),
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
        self.room_id.as_deref()
    }
    fn sender(&self) -> &UserId {
        &self.sender
    }
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch {
        MilliSecondsSinceUnixEpoch(js_int::uint!(1))
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

fn ruma_rules(version: &RoomVersion) -> AuthorizationRules {
    RoomVersionId::try_from(version.id)
        .ok()
        .and_then(|id| id.rules())
        .expect("ruma knows the room version")
        .authorization
}

/// Both implementations' verdicts (allowed?) on one case in one room version; `None` when the
/// PDU format rejects the event.
fn verdicts(case: &Value, version: RoomVersion) -> Option<(bool, bool)> {
    let built = fixture::build(case, version);
    let event = built.event.ok()?;
    let rules = ruma_rules(&version);
    let ruma_event = RumaEvent::new(&event, false);
    if let Some((auth, rejected)) = &built.auth {
        let refs: Vec<&Pdu> = auth.iter().collect();
        let is_rejected = |id: &str| rejected.iter().any(|r| r == id);
        let ours = check_auth_events(&version, &event, &refs, is_rejected).is_ok();
        // Ruma fetches the auth events by id; in v12 it also fetches the create event.
        let by_id: HashMap<OwnedEventId, RumaEvent> = auth
            .iter()
            .chain(&built.state)
            .map(|pdu| {
                let e = RumaEvent::new(pdu, is_rejected(pdu.event_id()));
                (e.event_id.clone(), e)
            })
            .collect();
        let theirs =
            check_state_independent_auth_rules(&rules, &ruma_event, |id: &EventId| by_id.get(id))
                .is_ok();
        return Some((ours, theirs));
    }
    let state: HashMap<(&str, &str), &Pdu> = built
        .state
        .iter()
        .map(|pdu| ((pdu.event_type(), pdu.state_key().unwrap_or_default()), pdu))
        .collect();
    let ours = check_auth(&version, &event, |kind: &str, key: &str| {
        state.get(&(kind, key)).copied()
    })
    .is_ok();
    let ruma_state: HashMap<(String, String), RumaEvent> = built
        .state
        .iter()
        .map(|pdu| {
            let key = (
                pdu.event_type().to_owned(),
                pdu.state_key().unwrap_or_default().to_owned(),
            );
            (key, RumaEvent::new(pdu, false))
        })
        .collect();
    let fetch =
        |kind: &StateEventType, key: &str| ruma_state.get(&(kind.to_string(), key.to_owned()));
    let theirs = if event.event_type() == "m.room.create" {
        check_state_independent_auth_rules(&rules, &ruma_event, |_: &EventId| None::<&RumaEvent>)
            .is_ok()
    } else {
        // Ruma splits the rules; rule 2.5 (room ids) and v12 rule 2 are in its state-independent
        // part, which needs the auth events: here only the state-dependent part is compared.
        check_state_dependent_auth_rules(&rules, &ruma_event, fetch).is_ok()
    };
    Some((ours, theirs))
}

#[test]
fn ruma_agrees_with_every_auth_rule_fixture_case() {
    let mut differences = BTreeSet::new();
    let mut compared = 0;
    for path in fixture::fixture_files() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for case in fixture::load(&path) {
            if case.get("expect_auth_types").is_some() {
                continue;
            }
            let name = case["name"].as_str().unwrap().to_owned();
            for version in versions(&case) {
                let Some((ours, theirs)) = verdicts(&case, version) else {
                    continue;
                };
                compared += 1;
                if ours != theirs {
                    differences.insert((file.clone(), name.clone(), version.id, ours));
                }
            }
        }
    }
    println!("compared {compared} case runs with ruma-state-res");
    let known: BTreeSet<(String, String, &str)> = KNOWN_DIFFERENCES
        .iter()
        .flat_map(|(file, name, versions, _)| {
            versions
                .iter()
                .map(|v| ((*file).to_owned(), (*name).to_owned(), *v))
        })
        .collect();
    let found: BTreeSet<(String, String, &str)> = differences
        .iter()
        .map(|(file, name, version, _)| (file.clone(), name.clone(), *version))
        .collect();
    let unexpected: Vec<String> = differences
        .iter()
        .filter(|(file, name, version, _)| !known.contains(&(file.clone(), name.clone(), *version)))
        .map(|(file, name, version, ours)| {
            let verdict = |allowed: bool| if allowed { "allow" } else { "reject" };
            format!(
                "{file}: {name} [v{version}]: we {}, ruma {}",
                verdict(*ours),
                verdict(!ours)
            )
        })
        .collect();
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(
        unexpected.is_empty(),
        "{} unexpected differences with ruma:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        gone.is_empty(),
        "listed differences that no longer occur: {gone:?}"
    );
}
