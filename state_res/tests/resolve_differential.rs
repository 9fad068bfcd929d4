//! Differential tests of our state resolution against Ruma's (`ruma-state-res`) on seeded random
//! room DAGs (`dag/generator.rs`): v2 on room versions 2, 3, 6, 8, 10 and 11, v2.1 on room
//! version 12. At every merge point (an event whose prev events have different states) both
//! resolve the same state sets, with the same events; Ruma gets the auth chains and (v2.1) the
//! conflicted state subgraph computed independently in `dag/ruma.rs`.
//!
//! Ruma has no state resolution v1, so room version 1 is checked only by the fixtures
//! (`resolve_fixtures.rs`) and the properties (`resolve_properties.rs`).
//!
//! `CONCORD_STATE_RES_DAGS` sets the number of DAGs per state resolution version (default 200;
//! `.ci/run` sets the full count). A disagreement prints the seed, the DAG and both results.

#[allow(dead_code)]
mod dag {
    pub mod generator;
    pub mod room;
    pub mod ruma;
}

use dag::generator::{describe_merge, diff, generate, Merge};
use dag::ruma::RumaRoom;
use serde_json::{json, Value};
use state_res::pdu::Pdu;
use state_res::resolve::{resolve, StateMap};
use state_res::room_version::{EventIdFormat, RoomVersion};
use std::collections::{BTreeMap, HashMap};

/// DAGs per state resolution version.
fn dag_count() -> u64 {
    if std::env::var("CONCORD_STATE_RES_SEED").is_ok() {
        return 1;
    }
    std::env::var("CONCORD_STATE_RES_DAGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

#[derive(Default)]
struct Tally {
    dags: u64,
    /// Resolutions compared, per room version.
    resolutions: BTreeMap<&'static str, u64>,
    failures: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.dags += other.dags;
        for (version, n) in other.resolutions {
            *self.resolutions.entry(version).or_default() += n;
        }
        self.failures.extend(other.failures);
    }
}

/// Generates the DAGs of seeds `seeds` (room version by seed) and compares every merge point.
fn compare_dags(seeds: impl Iterator<Item = u64>, versions: &[RoomVersion]) -> Tally {
    let mut tally = Tally::default();
    for seed in seeds {
        let version = versions[(seed % versions.len() as u64) as usize];
        let mut ruma: Option<RumaRoom> = None;
        let mut converted = 0;
        let mut compared = 0;
        let mut failures = Vec::new();
        let mut on_merge = |merge: &Merge<'_>| {
            let room = merge.room;
            let ruma = ruma.get_or_insert_with(|| RumaRoom::new(&version, [], |_| false));
            for id in &room.order[converted..] {
                ruma.add(room.event(id), room.rejected.contains(id));
            }
            converted = room.order.len();
            compared += 1;
            match ruma.resolve(merge.sets) {
                Ok(theirs) if theirs == *merge.resolved => {}
                outcome => {
                    let detail = match &outcome {
                        Ok(theirs) => diff(room, merge.resolved, theirs),
                        Err(e) => format!("  ruma failed: {e}\n"),
                    };
                    failures.push(format!(
                        "seed {seed}, room version {}: ours and ruma disagree\n{}ours:\n{}\
                         differences:\n{detail}",
                        version.id,
                        describe_merge(merge),
                        room.describe_state(merge.resolved),
                    ));
                }
            }
        };
        generate(seed, version, &mut on_merge);
        tally.dags += 1;
        *tally.resolutions.entry(version.id).or_default() += compared;
        tally.failures.extend(failures);
    }
    tally
}

/// Runs `count` DAGs from seed `first` on all cores (`CONCORD_STATE_RES_SEED` runs one seed).
fn run(name: &str, first: u64, count: u64, versions: &[RoomVersion]) {
    let seed = std::env::var("CONCORD_STATE_RES_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let first = seed.unwrap_or(first);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let start = std::time::Instant::now();
    let tally = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let seeds = (first + t..first + count).step_by(threads as usize);
                scope.spawn(move || compare_dags(seeds, versions))
            })
            .collect();
        let mut total = Tally::default();
        for worker in workers {
            total.merge(worker.join().expect("worker panicked"));
        }
        total
    });
    let per_version: Vec<String> = tally
        .resolutions
        .iter()
        .map(|(v, n)| format!("v{v}: {n}"))
        .collect();
    println!(
        "{name}: {} DAGs, {} resolutions compared with ruma ({}) in {:.1} s",
        tally.dags,
        tally.resolutions.values().sum::<u64>(),
        per_version.join(", "),
        start.elapsed().as_secs_f64(),
    );
    for failure in tally.failures.iter().take(3) {
        println!("{failure}");
    }
    assert!(
        tally.failures.is_empty(),
        "{name}: {} of the resolutions disagree with ruma (first ones above)",
        tally.failures.len()
    );
}

#[test]
fn state_res_v2_agrees_with_ruma_on_random_dags() {
    let versions = [
        RoomVersion::V2,
        RoomVersion::V3,
        RoomVersion::V6,
        RoomVersion::V8,
        RoomVersion::V10,
        RoomVersion::V11,
    ];
    run("state res v2", 0, dag_count(), &versions);
}

#[test]
fn state_res_v2_1_agrees_with_ruma_on_random_dags() {
    run("state res v2.1", 1 << 32, dag_count(), &[RoomVersion::V12]);
}

/// Builds a fixture's events (`fixtures/resolve/*.json`, the format of `resolve_fixtures.rs`)
/// and its state sets; returns the room, the names of the event ids and the state sets.
fn load_fixture(fixture: &Value) -> (RoomVersion, String, HashMap<String, Pdu>, Vec<StateMap>) {
    let version = RoomVersion::from_id(fixture["room_version"].as_str().unwrap()).unwrap();
    assert_ne!(
        version.event_id_format,
        EventIdFormat::Random,
        "v3+ fixtures only"
    );
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut events: HashMap<String, Pdu> = HashMap::new();
    let mut room_id = "!room:example.org".to_owned();
    for spec in fixture["events"].as_array().unwrap() {
        let names = |field: &str| -> Vec<String> {
            spec[field]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| ids[n.as_str().unwrap()].clone())
                .collect()
        };
        let mut event = json!({
            "type": spec["type"], "sender": spec["sender"], "content": spec["content"],
            "state_key": spec["state_key"], "auth_events": names("auth"), "prev_events": names("prev"),
            "depth": events.len() + 1,
            "origin_server_ts": spec.get("ts").cloned().unwrap_or(json!(events.len() + 1)),
            "hashes": {"sha256": "x"}, "signatures": {},
        });
        if !(version.room_id_is_create_hash && spec["type"] == "m.room.create") {
            event["room_id"] = json!(room_id);
        }
        let pdu = Pdu::from_json(event.as_object().unwrap().clone(), &version).unwrap();
        if pdu.event_type() == "m.room.create" {
            room_id = pdu.room_id().to_owned();
        }
        ids.insert(
            spec["id"].as_str().unwrap().to_owned(),
            pdu.event_id().to_owned(),
        );
        events.insert(pdu.event_id().to_owned(), pdu);
    }
    let sets = fixture["state_sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|set| {
            set.as_array()
                .unwrap()
                .iter()
                .map(|name| {
                    let event = &events[&ids[name.as_str().unwrap()]];
                    let key = (
                        event.event_type().to_owned(),
                        event.state_key().unwrap().to_owned(),
                    );
                    (key, event.event_id().to_owned())
                })
                .collect()
        })
        .collect();
    let names: HashMap<String, Pdu> = ids
        .into_iter()
        .map(|(name, id)| (name, events[&id].clone()))
        .collect();
    (version, room_id, names, sets)
}

/// The disagreements with Ruma where Ruma is wrong are kept as fixtures with the spec text that
/// decides them (`fixtures/resolve/ruma_divergence_*.json`); this checks that they still show
/// both results, so a Ruma release that changes them is noticed.
#[test]
fn ruma_divergence_fixtures_still_diverge_as_recorded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/resolve");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("ruma_divergence_") {
            continue;
        }
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (version, room_id, by_name, sets) = load_fixture(&fixture);
        let id_to_name: HashMap<&str, &str> = by_name
            .iter()
            .map(|(n, e)| (e.event_id(), n.as_str()))
            .collect();
        let named = |state: &StateMap| -> Vec<String> {
            let mut names: Vec<String> = state
                .values()
                .map(|id| id_to_name[id.as_str()].to_owned())
                .collect();
            names.sort();
            names
        };
        let expected = |key: &str| -> Vec<String> {
            let mut names: Vec<String> = fixture[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        };
        let events: HashMap<&str, &Pdu> = by_name.values().map(|e| (e.event_id(), e)).collect();
        let source = (|id: &str| events.get(id).copied(), |_: &str| false);
        let ours = resolve(&version, &room_id, &sets, &source).unwrap();
        assert_eq!(named(&ours), expected("expected"), "{name}: ours");
        let ruma = RumaRoom::new(&version, by_name.values(), |_| false);
        let theirs = ruma.resolve(&sets).unwrap();
        assert_eq!(named(&theirs), expected("ruma_expected"), "{name}: ruma");
        count += 1;
    }
    println!("{count} recorded divergences from ruma still diverge as recorded");
    assert!(count >= 1);
}
