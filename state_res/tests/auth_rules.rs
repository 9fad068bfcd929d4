//! The authorization rule fixtures (`tests/fixtures/auth/*.json`).
//!
//! A fixture file is a list of cases:
//!
//! ```json
//! { "name": "...", "rule": "v8 4.3.2 (v1 5.2.2, ...)", "room_versions": ["1", "2"],
//!   "state": [partial events], "event": partial event, "expect": "allow" | "<AuthError code>" }
//! ```
//!
//! The case runs once per listed room version. Partial events get the fields they lack:
//! `room_id` (v12: the create event's), `content`, `prev_events` (`"$create"` stands for the create
//! event's id), `auth_events`, `depth`, `origin_server_ts`, `hashes`, `signatures` (the sender's
//! server) and, in v1–v2, `event_id`; a given `event_id` is dropped from v3 on, where ids are
//! computed. Variants:
//!
//! - `"auth_events": [partial events]` (and `"rejected": [indices]`) runs `check_auth_events` on
//!   them instead of `check_auth` on the state (the state then only supplies the room id);
//! - `"expect_auth_types": [[type, state_key], ...]` compares `auth_types_for_event` as a set;
//! - `"expect": "PduError.<variant>"` says the PDU format already rejects the event.
//!
//! Every `rule` of a file needs at least one allowing and one rejecting outcome.

use serde_json::{json, Map, Value};
use state_res::auth::{auth_types_for_event, check_auth, check_auth_events};
use state_res::pdu::Pdu;
use state_res::room_version::{EventIdFormat, RoomVersion};
use std::collections::{BTreeMap, BTreeSet, HashMap};

type Object = Map<String, Value>;

const DEFAULT_ROOM_ID: &str = "!room:example.org";
/// The room id of a v12 case whose state has no create event.
const V12_ROOM_WITHOUT_CREATE: &str = "!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const DEFAULT_PREV: &str = "$prev:example.org";

/// Every code the fixtures must exercise. `CreateHasRoomId` is absent: the PDU format rejects a
/// v12 create event with a `room_id` first (`PduError.CreateWithRoomId`).
const CODES: &[&str] = &[
    "CreateHasPrevEvents",
    "CreateRoomIdDomainMismatch",
    "UnsupportedRoomVersion",
    "CreateMissingCreator",
    "InvalidAdditionalCreators",
    "RoomIdNotCreateEvent",
    "DuplicateAuthEvent",
    "UnexpectedAuthEvent",
    "RejectedAuthEvent",
    "NoCreateEvent",
    "AuthEventRoomMismatch",
    "NotFederated",
    "AliasesMissingStateKey",
    "AliasesStateKeyNotSenderDomain",
    "MembershipMissingStateKey",
    "MembershipMissing",
    "AuthoriserInvalid",
    "AuthoriserSignatureMissing",
    "JoinNotSelf",
    "SenderBanned",
    "AuthoriserMissing",
    "AuthoriserNotJoined",
    "JoinRuleForbids",
    "ThirdPartyInviteTargetBanned",
    "ThirdPartyInviteMissingSigned",
    "ThirdPartyInviteMissingMxidOrToken",
    "ThirdPartyInviteMxidMismatch",
    "ThirdPartyInviteNotFound",
    "ThirdPartyInviteSenderMismatch",
    "ThirdPartyInviteBadSignature",
    "InviteTargetJoinedOrBanned",
    "LeaveWithoutMembership",
    "TargetPowerNotLower",
    "KnockForbidden",
    "KnockNotSelf",
    "KnockMembershipForbids",
    "UnknownMembership",
    "SenderNotJoined",
    "InsufficientPower",
    "StateKeyNotSender",
    "PowerLevelNotInteger",
    "PowerLevelsNotObject",
    "PowerLevelsInvalidUserId",
    "PowerLevelsListsCreator",
    "CurrentLevelAboveSender",
    "NewLevelAboveSender",
    "UserLevelNotBelowSender",
    "RedactionForbidden",
];

fn fixture_dir() -> String {
    format!("{}/tests/fixtures/auth", env!("CARGO_MANIFEST_DIR"))
}

fn server_of(user_id: &str) -> &str {
    user_id
        .split_once(':')
        .map_or("example.org", |(_, server)| server)
}

/// Completes partial events for one room version.
struct Builder {
    version: RoomVersion,
    room_id: String,
    create_id: Option<String>,
    counter: usize,
}

impl Builder {
    /// Builds the create event first (if any) to learn the room id and the create event id.
    fn new(version: RoomVersion, events: &[&Value]) -> Self {
        let mut builder = Builder {
            version,
            room_id: if version.room_id_is_create_hash {
                V12_ROOM_WITHOUT_CREATE.to_owned()
            } else {
                DEFAULT_ROOM_ID.to_owned()
            },
            create_id: None,
            counter: 0,
        };
        if let Some(create) = events.iter().find(|e| e["type"] == "m.room.create") {
            let pdu = builder.build(create).expect("the create event builds");
            builder.room_id = pdu.room_id().to_owned();
            builder.create_id = Some(pdu.event_id().to_owned());
        }
        builder
    }

    fn event_ref(&self, id: &str) -> Value {
        let id = match (id, &self.create_id) {
            ("$create", Some(create_id)) => create_id.as_str(),
            _ => id,
        };
        if self.version.event_id_format == EventIdFormat::Random {
            json!([id, {"sha256": "aGFzaA"}])
        } else {
            json!(id)
        }
    }

    fn refs(&self, ids: &[Value]) -> Value {
        Value::Array(
            ids.iter()
                .map(|id| self.event_ref(id.as_str().expect("event ids are strings")))
                .collect(),
        )
    }

    fn complete(&mut self, partial: &Value, auth_ids: Option<&[String]>) -> Object {
        let mut json = partial.as_object().expect("events are objects").clone();
        let sender = json["sender"]
            .as_str()
            .expect("events have a sender")
            .to_owned();
        let is_create = json["type"] == "m.room.create";
        let v12_create = is_create && self.version.room_id_is_create_hash;
        if !json.contains_key("room_id") && !v12_create {
            json.insert("room_id".into(), json!(self.room_id));
        }
        json.entry("content").or_insert_with(|| json!({}));
        let prev = match json.remove("prev_events") {
            Some(Value::Array(ids)) => ids,
            _ if is_create => Vec::new(),
            _ => vec![json!(DEFAULT_PREV)],
        };
        json.insert("prev_events".into(), self.refs(&prev));
        let auth: Vec<Value> =
            auth_ids.map_or_else(Vec::new, |ids| ids.iter().map(|id| json!(id)).collect());
        json.insert("auth_events".into(), self.refs(&auth));
        json.entry("depth").or_insert(json!(1));
        json.entry("origin_server_ts")
            .or_insert(json!(1_700_000_000_000u64));
        json.entry("hashes")
            .or_insert(json!({"sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}));
        json.entry("signatures")
            .or_insert(json!({server_of(&sender): {"ed25519:1": "c2lnbmF0dXJl"}}));
        if self.version.event_id_format == EventIdFormat::Random {
            // The create event's id is fixed, as it is built twice (for the room id first).
            self.counter += 1;
            let id = if is_create {
                format!("$create:{}", server_of(&sender))
            } else {
                format!("$e{}:{}", self.counter, server_of(&sender))
            };
            json.entry("event_id").or_insert(json!(id));
        } else {
            json.remove("event_id");
        }
        json
    }

    fn build(&mut self, partial: &Value) -> Result<Pdu, String> {
        self.build_with_auth(partial, None)
    }

    fn build_with_auth(&mut self, partial: &Value, auth: Option<&[String]>) -> Result<Pdu, String> {
        let json = self.complete(partial, auth);
        Pdu::from_json(json, &self.version).map_err(|e| {
            let debug = format!("{e:?}");
            let name = debug
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or_default()
                .to_owned();
            format!("PduError.{name}")
        })
    }
}

fn list<'a>(case: &'a Value, key: &str) -> Vec<&'a Value> {
    case.get(key)
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |items| items.iter().collect())
}

/// Runs one case in one room version; returns the outcome's name.
fn run(case: &Value, version: RoomVersion) -> String {
    let state = list(case, "state");
    let auth = list(case, "auth_events");
    let mut all: Vec<&Value> = state.clone();
    all.extend(&auth);
    let mut builder = Builder::new(version, &all);
    let state: HashMap<(String, String), Pdu> = state
        .iter()
        .map(|partial| {
            let pdu = builder
                .build(partial)
                .unwrap_or_else(|e| panic!("state event: {e}"));
            let key = (
                pdu.event_type().to_owned(),
                pdu.state_key().unwrap_or_default().to_owned(),
            );
            (key, pdu)
        })
        .collect();
    if case.get("auth_events").is_some() {
        let auth: Vec<Pdu> = auth
            .iter()
            .map(|partial| {
                builder
                    .build(partial)
                    .unwrap_or_else(|e| panic!("auth event: {e}"))
            })
            .collect();
        let ids: Vec<String> = auth.iter().map(|a| a.event_id().to_owned()).collect();
        let event = match builder.build_with_auth(&case["event"], Some(&ids)) {
            Ok(event) => event,
            Err(pdu_error) => return pdu_error,
        };
        let rejected: Vec<&str> = list(case, "rejected")
            .iter()
            .map(|i| ids[i.as_u64().expect("rejected holds indices") as usize].as_str())
            .collect();
        let refs: Vec<&Pdu> = auth.iter().collect();
        return outcome(check_auth_events(&version, &event, &refs, |id| {
            rejected.contains(&id)
        }));
    }
    let event = match builder.build(&case["event"]) {
        Ok(event) => event,
        Err(pdu_error) => return pdu_error,
    };
    outcome(check_auth(&version, &event, |kind: &str, key: &str| {
        state.get(&(kind.to_owned(), key.to_owned()))
    }))
}

fn outcome(result: Result<(), state_res::auth::AuthError>) -> String {
    match result {
        Ok(()) => "allow".to_owned(),
        Err(error) => error.code().to_owned(),
    }
}

fn run_selection(case: &Value, version: RoomVersion) -> BTreeSet<(String, String)> {
    let event = &case["event"];
    let content = event
        .get("content")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    auth_types_for_event(
        &version,
        event["type"].as_str().unwrap(),
        event["sender"].as_str().unwrap(),
        event.get("state_key").and_then(Value::as_str),
        &content,
    )
    .into_iter()
    .collect()
}

fn versions(case: &Value) -> Vec<RoomVersion> {
    list(case, "room_versions")
        .iter()
        .map(|id| {
            let id = id.as_str().expect("room versions are strings");
            RoomVersion::from_id(id).unwrap_or_else(|| panic!("unknown room version {id}"))
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    runs: usize,
    failures: Vec<String>,
    /// rule → (allowing outcome seen, rejecting outcome seen)
    rules: BTreeMap<String, (bool, bool)>,
    codes: BTreeSet<String>,
}

fn run_file(path: &std::path::Path, tally: &mut Tally) -> (usize, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let cases: Vec<Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut runs = 0;
    let mut seen_names = BTreeSet::new();
    for case in &cases {
        let name = case["name"].as_str().expect("cases have a name");
        assert!(
            seen_names.insert(name.to_owned()),
            "{file}: duplicate case name {name:?}"
        );
        let rule = case["rule"].as_str().expect("cases cite a rule");
        let versions = versions(case);
        assert!(!versions.is_empty(), "{file}: {name}: no room versions");
        for version in versions {
            runs += 1;
            let context = format!("{file}: {name} [v{}] ({rule})", version.id);
            if let Some(expected) = case.get("expect_auth_types") {
                let expected: BTreeSet<(String, String)> =
                    serde_json::from_value(expected.clone()).expect("pairs of strings");
                let got = run_selection(case, version);
                if got != expected {
                    tally
                        .failures
                        .push(format!("{context}: expected {expected:?}, got {got:?}"));
                }
                continue;
            }
            let expected = case["expect"].as_str().expect("cases have an expectation");
            let got = run(case, version);
            if got != expected {
                tally
                    .failures
                    .push(format!("{context}: expected {expected}, got {got}"));
            }
            let entry = tally.rules.entry(format!("{file}: {rule}")).or_default();
            if expected == "allow" {
                entry.0 = true;
            } else {
                entry.1 = true;
                tally.codes.insert(expected.to_owned());
            }
        }
    }
    (cases.len(), runs)
}

#[test]
fn every_auth_rule_fixture_gives_its_expected_outcome() {
    let mut paths: Vec<_> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    let mut tally = Tally::default();
    let (mut total_cases, mut total_runs) = (0, 0);
    for path in &paths {
        let (cases, runs) = run_file(path, &mut tally);
        println!(
            "{}: {cases} cases, {runs} runs",
            path.file_name().unwrap().to_string_lossy()
        );
        total_cases += cases;
        total_runs += runs;
    }
    tally.runs = total_runs;
    println!(
        "auth rule fixtures: {total_cases} cases, {} runs over room versions",
        tally.runs
    );
    assert!(
        tally.failures.is_empty(),
        "{} failures:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    let one_sided: Vec<_> = tally
        .rules
        .iter()
        .filter(|(_, (allow, reject))| !(allow & reject))
        .map(|(rule, (allow, _))| {
            format!(
                "{rule}: only {}",
                if *allow { "allowing" } else { "rejecting" }
            )
        })
        .collect();
    assert!(
        one_sided.is_empty(),
        "rules without both outcomes:\n{}",
        one_sided.join("\n")
    );
    let missing: Vec<_> = CODES
        .iter()
        .filter(|code| !tally.codes.contains(**code))
        .collect();
    assert!(
        missing.is_empty(),
        "AuthError codes no fixture expects: {missing:?}"
    );
}
