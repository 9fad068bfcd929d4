//! Cross-checks canonical JSON, content hashes and ed25519 signatures with Python's
//! `canonicaljson` and `signedjson` (PyPI), the libraries Synapse uses.
//!
//! Runs when `CONCORD_PYTHON` names a Python with both packages (`.ci/run` makes that
//! virtualenv). Without it the tests print why and pass, unless `CONCORD_REQUIRE_ORACLE=1`, where
//! a missing oracle fails them (CI sets that).

#[path = "oracle/corpus.rs"]
mod corpus;

use serde_json::{json, Value};
use state_res::base64;
use state_res::canonical_json::{canonical_json, Object};
use state_res::pdu::{compute_content_hash, sign_event};
use state_res::room_version::RoomVersion;
use state_res::signing::{decode_public_key, verify_json, KeyPair};
use std::io::Write;
use std::process::{Command, Stdio};

fn python() -> Option<String> {
    match std::env::var("CONCORD_PYTHON") {
        Ok(python) if !python.is_empty() => Some(python),
        _ => {
            assert!(
                std::env::var("CONCORD_REQUIRE_ORACLE").as_deref() != Ok("1"),
                "CONCORD_REQUIRE_ORACLE=1 but CONCORD_PYTHON is not set"
            );
            eprintln!("skipping: set CONCORD_PYTHON to a Python with canonicaljson and signedjson");
            None
        }
    }
}

/// Sends one JSON line per request to `oracle.py COMMAND` and returns its answers in order.
fn ask(python: &str, command: &str, requests: &[Value]) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/oracle.py");
    let mut child = Command::new(python)
        .args([script, command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Python oracle");
    let mut input = String::new();
    for request in requests {
        // ASCII-escaped transport so that both sides read exactly the same code points.
        input.push_str(&serde_json::to_string(request).unwrap());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("oracle output");
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "oracle {command} failed");
    let answers: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), requests.len());
    answers
}

#[test]
fn canonical_json_matches_python_canonicaljson_byte_for_byte() {
    let Some(python) = python() else { return };
    let values = corpus::values(0x00C0_FFEE, 3_000);
    let requests: Vec<Value> = values.iter().map(|v| json!({ "value": v })).collect();
    let answers = ask(&python, "canonical", &requests);
    let mut non_ascii = 0;
    for (value, answer) in values.iter().zip(&answers) {
        let ours = canonical_json(value).unwrap();
        let theirs = base64::decode(answer["canonical_b64"].as_str().unwrap()).unwrap();
        assert_eq!(ours.as_bytes(), theirs.as_slice(), "value: {value}");
        non_ascii += usize::from(!ours.is_ascii());
    }
    println!(
        "compared {} values with Python canonicaljson ({non_ascii} with non-ASCII text)",
        values.len()
    );
    assert!(non_ascii > values.len() / 2);
}

fn corpus_events(count: usize) -> Vec<Object> {
    corpus::values(0x5EED, count)
        .into_iter()
        .enumerate()
        .map(|(i, content)| {
            let content = match content {
                Value::Object(map) => Value::Object(map),
                other => json!({ "body": other, "text": "ünïcödé 日本語 😀" }),
            };
            json!({
                "type": "m.room.message", "room_id": "!r:example.org", "sender": "@ü:example.org",
                "origin_server_ts": 1_700_000_000_000_i64 + i as i64, "depth": i + 1,
                "prev_events": [], "auth_events": [], "content": content,
                "unsigned": {"age": 5},
            })
            .as_object()
            .unwrap()
            .clone()
        })
        .collect()
}

#[test]
fn python_signedjson_verifies_our_event_signatures_and_agrees_on_content_hashes() {
    let Some(python) = python() else { return };
    let key = KeyPair::from_seed("ed25519:a_Conc", [42; 32]).unwrap();
    let version = RoomVersion::V11;
    let requests: Vec<Value> = corpus_events(300)
        .into_iter()
        .map(|mut event| {
            sign_event(&mut event, &version, "example.org", &key).unwrap();
            // signedjson checks signatures over the object as given: hand it the redacted form.
            let mut redacted = state_res::redaction::redact(&event, &version);
            redacted.remove("unsigned");
            json!({"event": redacted, "server": "example.org", "key_id": key.key_id(),
                   "public_key": key.public_key_base64(), "full": event})
        })
        .collect();
    let answers = ask(&python, "verify", &requests);
    for (request, answer) in requests.iter().zip(&answers) {
        assert_eq!(answer["signature_ok"], true, "event: {}", request["full"]);
    }
    // Python hashes the full events: its content hash must equal the one we put in `hashes`.
    let full_requests: Vec<Value> = requests
        .iter()
        .map(|r| json!({"event": r["full"], "server": "example.org", "key_id": key.key_id(), "public_key": key.public_key_base64()}))
        .collect();
    for (request, answer) in full_requests
        .iter()
        .zip(ask(&python, "verify", &full_requests))
    {
        assert_eq!(answer["content_hash"], request["event"]["hashes"]["sha256"]);
    }
    println!(
        "Python signedjson verified {} of our signed events",
        requests.len()
    );
}

#[test]
fn we_verify_signatures_made_by_python_signedjson() {
    let Some(python) = python() else { return };
    let seed = base64::encode([9u8; 32]);
    let events = corpus_events(300);
    let requests: Vec<Value> = events
        .iter()
        .map(|event| json!({"value": event, "server": "py.example", "seed": seed}))
        .collect();
    let answers = ask(&python, "sign", &requests);
    for (event, answer) in events.iter().zip(&answers) {
        let signed = answer["signed"].as_object().unwrap();
        let key = decode_public_key(answer["public_key"].as_str().unwrap()).unwrap();
        let key_id = answer["key_id"].as_str().unwrap();
        verify_json(signed, "py.example", key_id, &key).unwrap();
        let ours = base64::encode(compute_content_hash(event).unwrap());
        assert_eq!(ours, answer["content_hash"].as_str().unwrap());
        let mut tampered = signed.clone();
        tampered.insert("depth".into(), json!(-5));
        assert!(verify_json(&tampered, "py.example", key_id, &key).is_err());
    }
    println!(
        "verified {} signatures made by Python signedjson",
        answers.len()
    );
}
