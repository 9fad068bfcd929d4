//! State resolution scenarios as JSON fixtures (`fixtures/resolve/*.json`), each with the state
//! sets to resolve, the expected result and the spec clause that decides it.
//!
//! A fixture names events; the runner builds real PDUs for the room version (event ids chosen as
//! `$NAME:example.org` for v1/v2, computed reference hashes from v3 on, v12's room id from its
//! create event), so the fixtures stay readable.

use serde_json::{json, Map, Value};
use state_res::pdu::Pdu;
use state_res::resolve::{resolve, StateMap};
use state_res::room_version::{EventIdFormat, RoomVersion};
use std::collections::{BTreeMap, HashMap};

struct Built {
    version: RoomVersion,
    room_id: String,
    ids: HashMap<String, String>,
    events: HashMap<String, Pdu>,
}

fn names_to_ids(names: &Value, ids: &HashMap<String, String>) -> Vec<String> {
    names
        .as_array()
        .map(|list| {
            list.iter()
                .map(|n| ids[n.as_str().unwrap()].clone())
                .collect()
        })
        .unwrap_or_default()
}

fn build(fixture: &Value) -> Built {
    let version = RoomVersion::from_id(fixture["room_version"].as_str().unwrap()).unwrap();
    let mut built = Built {
        version,
        room_id: "!room:example.org".to_owned(),
        ids: HashMap::new(),
        events: HashMap::new(),
    };
    for (i, spec) in fixture["events"].as_array().unwrap().iter().enumerate() {
        let name = spec["id"].as_str().unwrap();
        let refs = |field: &str| -> Value {
            let ids = names_to_ids(&spec[field], &built.ids);
            if version.event_id_format == EventIdFormat::Random {
                Value::Array(
                    ids.into_iter()
                        .map(|id| json!([id, {"sha256": "x"}]))
                        .collect(),
                )
            } else {
                json!(ids)
            }
        };
        let mut event = Map::new();
        event.insert("type".into(), spec["type"].clone());
        event.insert("sender".into(), spec["sender"].clone());
        event.insert(
            "content".into(),
            spec.get("content").cloned().unwrap_or(json!({})),
        );
        event.insert("auth_events".into(), refs("auth"));
        event.insert("prev_events".into(), refs("prev"));
        event.insert(
            "depth".into(),
            spec.get("depth").cloned().unwrap_or(json!(i + 1)),
        );
        event.insert(
            "origin_server_ts".into(),
            spec.get("ts").cloned().unwrap_or(json!(i + 1)),
        );
        event.insert("hashes".into(), json!({"sha256": "x"}));
        event.insert("signatures".into(), json!({}));
        if let Some(state_key) = spec.get("state_key") {
            event.insert("state_key".into(), state_key.clone());
        }
        let v12_create = version.room_id_is_create_hash && spec["type"] == "m.room.create";
        if !v12_create {
            event.insert("room_id".into(), json!(built.room_id));
        }
        if version.event_id_format == EventIdFormat::Random {
            event.insert("event_id".into(), json!(format!("${name}:example.org")));
        }
        let pdu = Pdu::from_json(event, &version).unwrap_or_else(|e| panic!("{name}: {e}"));
        if v12_create {
            built.room_id = pdu.room_id().to_owned();
        }
        built.ids.insert(name.to_owned(), pdu.event_id().to_owned());
        built.events.insert(pdu.event_id().to_owned(), pdu);
    }
    built
}

fn state_of(built: &Built, names: &Value) -> StateMap {
    names_to_ids(names, &built.ids)
        .into_iter()
        .map(|id| {
            let event = &built.events[&id];
            let key = (
                event.event_type().to_owned(),
                event.state_key().unwrap().to_owned(),
            );
            (key, id)
        })
        .collect()
}

fn run(path: &std::path::Path) {
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let built = build(&fixture);
    let sets: Vec<StateMap> = fixture["state_sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|names| state_of(&built, names))
        .collect();
    let source = (|id: &str| built.events.get(id), |_: &str| false);
    let resolved = resolve(&built.version, &built.room_id, &sets, &source)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names: BTreeMap<&String, &String> = built.ids.iter().map(|(n, id)| (id, n)).collect();
    let got: Vec<&str> = {
        let mut got: Vec<&str> = resolved.values().map(|id| names[id].as_str()).collect();
        got.sort_unstable();
        got
    };
    let mut expected: Vec<&str> = fixture["expected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(got, expected, "{} ({})", path.display(), fixture["spec"]);
    let mut reversed = sets.clone();
    reversed.reverse();
    assert_eq!(
        resolve(&built.version, &built.room_id, &reversed, &source).unwrap(),
        resolved
    );
}

#[test]
fn every_resolution_fixture_resolves_to_its_expected_state() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/resolve");
    let mut count = 0;
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        run(&path);
        count += 1;
    }
    println!("{count} state resolution fixtures passed");
    assert!(count >= 5);
}
