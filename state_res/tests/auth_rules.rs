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

mod auth_support {
    pub mod fixture;
}

use auth_support::fixture::{self, versions};
use serde_json::Value;
use state_res::auth::{auth_types_for_event, check_auth, check_auth_events};
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// Runs one case in one room version; returns the outcome's name.
fn run(case: &Value, version: RoomVersion) -> String {
    let built = fixture::build(case, version);
    let event = match built.event {
        Ok(event) => event,
        Err(pdu_error) => return pdu_error,
    };
    if let Some((auth, rejected)) = &built.auth {
        let refs: Vec<&Pdu> = auth.iter().collect();
        let is_rejected = |id: &str| rejected.iter().any(|r| r == id);
        return outcome(check_auth_events(&version, &event, &refs, is_rejected));
    }
    let state: HashMap<(&str, &str), &Pdu> = built
        .state
        .iter()
        .map(|pdu| ((pdu.event_type(), pdu.state_key().unwrap_or_default()), pdu))
        .collect();
    outcome(check_auth(&version, &event, |kind: &str, key: &str| {
        state.get(&(kind, key)).copied()
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

#[derive(Default)]
struct Tally {
    runs: usize,
    failures: Vec<String>,
    /// rule → (allowing outcome seen, rejecting outcome seen)
    rules: BTreeMap<String, (bool, bool)>,
    codes: BTreeSet<String>,
}

fn run_file(path: &std::path::Path, tally: &mut Tally) -> (usize, usize) {
    let cases = fixture::load(path);
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
    let paths = fixture::fixture_files();
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
