//! Building the events of an authorization rule fixture case (`tests/fixtures/auth/*.json`, format
//! in `tests/auth_rules.rs`) for one room version.

use serde_json::{json, Map, Value};
use state_res::pdu::Pdu;
use state_res::room_version::{EventIdFormat, RoomVersion};
use std::path::PathBuf;

type Object = Map<String, Value>;

const DEFAULT_ROOM_ID: &str = "!room:example.org";
/// The room id of a v12 case whose state has no create event.
const V12_ROOM_WITHOUT_CREATE: &str = "!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const DEFAULT_PREV: &str = "$prev:example.org";

pub fn fixture_dir() -> String {
    format!("{}/tests/fixtures/auth", env!("CARGO_MANIFEST_DIR"))
}

fn server_of(user_id: &str) -> &str {
    user_id
        .split_once(':')
        .map_or("example.org", |(_, server)| server)
}

/// Completes partial events for one room version.
pub struct Builder {
    version: RoomVersion,
    room_id: String,
    create_id: Option<String>,
    counter: usize,
}

impl Builder {
    /// Builds the create event first (if any) to learn the room id and the create event id.
    pub fn new(version: RoomVersion, events: &[&Value]) -> Self {
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

    pub fn build(&mut self, partial: &Value) -> Result<Pdu, String> {
        self.build_with_auth(partial, None)
    }

    pub fn build_with_auth(
        &mut self,
        partial: &Value,
        auth: Option<&[String]>,
    ) -> Result<Pdu, String> {
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

pub fn list<'a>(case: &'a Value, key: &str) -> Vec<&'a Value> {
    case.get(key)
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |items| items.iter().collect())
}

pub fn versions(case: &Value) -> Vec<RoomVersion> {
    list(case, "room_versions")
        .iter()
        .map(|id| {
            let id = id.as_str().expect("room versions are strings");
            RoomVersion::from_id(id).unwrap_or_else(|| panic!("unknown room version {id}"))
        })
        .collect()
}

/// The fixture files, sorted.
pub fn fixture_files() -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

/// The cases of a fixture file.
pub fn load(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A case's events for one room version.
pub struct Built {
    pub state: Vec<Pdu>,
    /// `check_auth_events` cases: the auth events and the ids of those marked rejected.
    pub auth: Option<(Vec<Pdu>, Vec<String>)>,
    /// The event under test, or the name of the PDU format error that rejects it.
    pub event: Result<Pdu, String>,
}

pub fn build(case: &Value, version: RoomVersion) -> Built {
    let state = list(case, "state");
    let auth = list(case, "auth_events");
    let mut all: Vec<&Value> = state.clone();
    all.extend(&auth);
    let mut builder = Builder::new(version, &all);
    let state = state
        .iter()
        .map(|partial| {
            builder
                .build(partial)
                .unwrap_or_else(|e| panic!("state event: {e}"))
        })
        .collect();
    if case.get("auth_events").is_none() {
        let event = builder.build(&case["event"]);
        return Built {
            state,
            auth: None,
            event,
        };
    }
    let auth: Vec<Pdu> = auth
        .iter()
        .map(|partial| {
            builder
                .build(partial)
                .unwrap_or_else(|e| panic!("auth event: {e}"))
        })
        .collect();
    let ids: Vec<String> = auth.iter().map(|a| a.event_id().to_owned()).collect();
    let rejected = list(case, "rejected")
        .iter()
        .map(|i| ids[i.as_u64().expect("rejected holds indices") as usize].clone())
        .collect();
    let event = builder.build_with_auth(&case["event"], Some(&ids));
    Built {
        state,
        auth: Some((auth, rejected)),
        event,
    }
}
