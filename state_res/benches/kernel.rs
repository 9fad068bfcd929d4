//! Benchmarks of the protocol kernel's hot paths: canonical JSON encoding, event hashing and
//! signing, and signature verification. Run with `cargo bench -p state_res --bench kernel`;
//! figures are recorded in docs/performance.md.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use state_res::canonical_json::{canonical_json, Object};
use state_res::pdu::{sign_event, Pdu};
use state_res::redaction::redact;
use state_res::room_version::RoomVersion;
use state_res::signing::{verify_json, KeyPair};

/// A typical message event: ~600 bytes of canonical JSON with some non-ASCII text.
fn message_event(i: u64) -> Object {
    json!({
        "type": "m.room.message",
        "room_id": "!LBuWtZJbOQVQTnOTTg:example.org",
        "sender": "@alice:example.org",
        "origin_server_ts": 1_700_000_000_000_u64 + i,
        "depth": 1000 + i,
        "prev_events": ["$Qk3vF0qZ9l0S0Lh1oVJmbgWc0Nq0S8Yd4lXyL1r7X2c"],
        "auth_events": [
            "$Mk3vF0qZ9l0S0Lh1oVJmbgWc0Nq0S8Yd4lXyL1r7X2c",
            "$Nk3vF0qZ9l0S0Lh1oVJmbgWc0Nq0S8Yd4lXyL1r7X2c",
            "$Ok3vF0qZ9l0S0Lh1oVJmbgWc0Nq0S8Yd4lXyL1r7X2c"
        ],
        "content": {
            "msgtype": "m.text",
            "body": format!("Hello number {i}, ça va? 日本語のテキスト 😀"),
            "format": "org.matrix.custom.html",
            "formatted_body": format!("<b>Hello</b> number {i}, ça va?"),
            "m.mentions": {"user_ids": ["@bob:example.org"]}
        },
        "unsigned": {"age": 12}
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

fn large_value() -> Value {
    let rooms: Vec<Value> = (0..200).map(|i| Value::Object(message_event(i))).collect();
    json!({ "rooms": rooms, "next_batch": "s72594_4483_1934", "ü": {"nested": [1, 2, 3, "x\n\"y\""]} })
}

fn canonical_encoding(c: &mut Criterion) {
    let value = large_value();
    let bytes = canonical_json(&value).map(|s| s.len()).unwrap_or(0);
    let mut group = c.benchmark_group("canonical_json");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("encode_200_events", |b| {
        b.iter(|| canonical_json(black_box(&value)))
    });
    group.finish();
}

fn hashing_and_signing(c: &mut Criterion) {
    let key = KeyPair::from_seed("ed25519:bench", [3; 32]).unwrap_or_else(|e| panic!("{e}"));
    let version = RoomVersion::V11;
    let event = message_event(1);
    let mut group = c.benchmark_group("event");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hash_and_sign", |b| {
        b.iter(|| {
            let mut e = event.clone();
            sign_event(&mut e, &version, "example.org", &key).map(|_| e)
        })
    });
    let mut signed = event.clone();
    let _ = sign_event(&mut signed, &version, "example.org", &key);
    group.bench_function("parse_and_compute_event_id", |b| {
        b.iter(|| Pdu::from_json(black_box(signed.clone()), &version))
    });
    let verifying_key = key.verifying_key();
    group.bench_function("verify_signature", |b| {
        b.iter(|| {
            let mut redacted = redact(black_box(&signed), &version);
            redacted.remove("unsigned");
            verify_json(&redacted, "example.org", "ed25519:bench", &verifying_key)
        })
    });
    group.finish();
}

criterion_group!(benches, canonical_encoding, hashing_and_signing);
criterion_main!(benches);
