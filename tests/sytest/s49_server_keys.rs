//! `/_matrix/key/v2/server`: the published signing key, self-signed, and key files in Synapse's
//! format.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use state_res::signing::{decode_public_key, verify_json, KeyPair};

use crate::harness::{get_json, Options, TestServer};

/// The spec's example seed (appendices § "Signing JSON").
const SEED_B64: &str = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";

async fn fetch_keys(server: &TestServer, path: &str) -> serde_json::Map<String, Value> {
    let (status, body) = get_json(&server.url(path)).await;
    assert_eq!(status, 200, "{body}");
    match body {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn now_ms() -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    u64::try_from(now.as_millis()).expect("millis")
}

#[tokio::test]
async fn server_keys_are_signed_by_the_published_key() {
    let server = TestServer::start().await;
    let keys = fetch_keys(&server, "/_matrix/key/v2/server").await;
    assert_eq!(keys["server_name"], server.server_name.as_str());
    assert_eq!(keys["server_name"], server.config.server_name.as_str());
    assert_eq!(keys["old_verify_keys"], serde_json::json!({}));
    let verify_keys = keys["verify_keys"].as_object().expect("verify_keys");
    assert_eq!(verify_keys.len(), 1);
    let (key_id, key) = verify_keys.iter().next().expect("one key");
    assert!(key_id.starts_with("ed25519:a_"), "{key_id}");
    let public = decode_public_key(key["key"].as_str().expect("key")).expect("public key");
    verify_json(&keys, &server.server_name, key_id, &public).expect("valid self-signature");
}

#[tokio::test]
async fn server_keys_stay_valid_for_at_least_an_hour() {
    let server = TestServer::start().await;
    let keys = fetch_keys(&server, "/_matrix/key/v2/server").await;
    let valid_until = keys["valid_until_ts"].as_u64().expect("valid_until_ts");
    assert!(valid_until > now_ms() + 3_600_000, "{valid_until}");
    assert!(
        valid_until <= now_ms() + 7 * 24 * 3_600_000,
        "{valid_until}"
    );
}

#[tokio::test]
async fn the_deprecated_key_id_path_returns_the_same_keys() {
    let server = TestServer::start().await;
    let keys = fetch_keys(&server, "/_matrix/key/v2/server").await;
    let key_id = keys["verify_keys"]
        .as_object()
        .and_then(|k| k.keys().next().cloned());
    let key_id = key_id.expect("key id");
    let by_id = fetch_keys(&server, &format!("/_matrix/key/v2/server/{key_id}")).await;
    assert_eq!(by_id["verify_keys"], keys["verify_keys"]);
    assert_eq!(by_id["server_name"], keys["server_name"]);
}

#[tokio::test]
async fn the_published_key_is_the_one_written_to_the_key_file() {
    let server = TestServer::start().await;
    let text = std::fs::read_to_string(server.signing_key_path()).expect("key file");
    let key = concord::signing_key::parse(&text).expect("our key file parses");
    let keys = fetch_keys(&server, "/_matrix/key/v2/server").await;
    assert_eq!(
        keys["verify_keys"][key.key_id()]["key"],
        key.public_key_base64().as_str()
    );
}

#[tokio::test]
async fn a_synapse_key_file_is_loaded_and_its_key_published() {
    // Padded Base64, a blank line, a line of another algorithm, a second ed25519 line: Synapse
    // accepts all of this and uses the first ed25519 key.
    let file =
        format!("\nhmac-x a_Zz9 abc\ned25519 a_SyN1 {SEED_B64}=\ned25519 a_Late {SEED_B64}\n");
    let server = TestServer::start_with(Options {
        signing_key_file: Some(file),
        ..Options::default()
    })
    .await;
    let seed = state_res::base64::decode(SEED_B64).expect("seed");
    let expected =
        KeyPair::from_seed("ed25519:a_SyN1", seed.try_into().expect("32 bytes")).expect("key pair");
    let keys = fetch_keys(&server, "/_matrix/key/v2/server").await;
    let verify_keys = keys["verify_keys"].as_object().expect("verify_keys");
    assert_eq!(verify_keys.keys().collect::<Vec<_>>(), ["ed25519:a_SyN1"]);
    assert_eq!(
        verify_keys["ed25519:a_SyN1"]["key"],
        expected.public_key_base64().as_str()
    );
    verify_json(
        &keys,
        &server.server_name,
        "ed25519:a_SyN1",
        &expected.verifying_key(),
    )
    .expect("signed with the file's key");
}

/// `CONCORD_PYTHON` (a Python with `signedjson`, Synapse's key library), if set. Without it the
/// oracle test passes with a note, unless `CONCORD_REQUIRE_ORACLE=1`.
fn python() -> Option<String> {
    match std::env::var("CONCORD_PYTHON") {
        Ok(python) if !python.is_empty() => Some(python),
        _ => {
            assert!(
                std::env::var("CONCORD_REQUIRE_ORACLE").as_deref() != Ok("1"),
                "CONCORD_REQUIRE_ORACLE=1 but CONCORD_PYTHON is not set"
            );
            eprintln!("skipping: set CONCORD_PYTHON to a Python with signedjson");
            None
        }
    }
}

/// Writes a key with signedjson and reads ours with it, printing key ids and public keys.
const SIGNEDJSON_SCRIPT: &str = r#"
import sys
import signedjson.key as k
theirs = k.generate_signing_key("a_PyOk")
with open(sys.argv[1], "w") as f:
    k.write_signing_keys(f, [theirs])
print("ed25519:" + theirs.version, k.encode_verify_key_base64(k.get_verify_key(theirs)))
with open(sys.argv[2]) as f:
    ours = k.read_signing_keys(f)
print(ours[0].alg + ":" + ours[0].version, k.encode_verify_key_base64(k.get_verify_key(ours[0])))
"#;

#[test]
fn key_files_are_interchangeable_with_synapses_signedjson() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("temporary directory");
    let (theirs_path, ours_path) = (dir.path().join("theirs.key"), dir.path().join("ours.key"));
    let ours = concord::signing_key::generate();
    concord::signing_key::write_new(&ours_path, &ours).expect("write our key");
    let output = std::process::Command::new(python)
        .args(["-c", SIGNEDJSON_SCRIPT])
        .args([&theirs_path, &ours_path])
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 2, "{stdout}");

    let theirs = concord::signing_key::load(&theirs_path).expect("signedjson's file loads");
    assert_eq!(
        [theirs.key_id(), theirs.public_key_base64().as_str()],
        lines[0][..]
    );
    assert_eq!(
        [ours.key_id(), ours.public_key_base64().as_str()],
        lines[1][..]
    );
}

/// Verifies a `/_matrix/key/v2/server` response the way Synapse's key fetcher does: every key in
/// `verify_keys` must have signed the document, checked by `signedjson`.
const VERIFY_KEYS_SCRIPT: &str = r#"
import json, sys
from signedjson.key import decode_verify_key_base64
from signedjson.sign import verify_signed_json
doc = json.load(sys.stdin)
for key_id, key in doc["verify_keys"].items():
    alg, version = key_id.split(":", 1)
    verify_signed_json(doc, doc["server_name"], decode_verify_key_base64(alg, version, key["key"]))
print("verified", len(doc["verify_keys"]))
"#;

#[tokio::test]
async fn synapses_signedjson_verifies_our_server_keys() {
    let Some(python) = python() else { return };
    let server = TestServer::start().await;
    let keys = fetch_keys(&server, "/_matrix/key/v2/server").await;
    let mut child = std::process::Command::new(python)
        .args(["-c", VERIFY_KEYS_SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    let body = serde_json::to_vec(&keys).expect("JSON");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &body).expect("write");
    let output = child.wait_with_output().expect("python output");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "verified 1");
}
