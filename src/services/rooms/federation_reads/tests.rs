//! The graph walks on a branched DAG stored directly (synthetic PDUs: only the fields the walks
//! read), on both backends: backfill order, missing events with `earliest_events`, limits and
//! `min_depth`, auth chains in both reference formats, rejected events walked through but never
//! returned.

use serde_json::json;
use state_res::signing::KeyPair;

use super::MissingEvents;
use crate::services::rooms::{Rooms, DEFAULT_ROOM_VERSION};
use crate::storage::testing::each_backend;
use crate::storage::{Database, NewEvent, StoredEvent};

const ROOM: &str = "!room:example.org";

/// `(id, depth, prev_events, auth_events, rejected)`; v1-style `[id, hashes]` references for
/// auth events whose id ends in `1`, to cover both formats.
type Spec = (
    &'static str,
    i64,
    &'static [&'static str],
    &'static [&'static str],
    bool,
);

/// ```text
///   A(1) ─ B(2) ─ C(3) ─┐
///     └── D(2) ─ R(3)✗ ─┴─ E(4) ─ F(5)
/// ```
/// Auth: A ← B ← C (C's auth also lists A1, a `[id, hashes]` pair), R and E name C.
const GRAPH: &[Spec] = &[
    ("$A", 1, &[], &[], false),
    ("$A1", 1, &["$A"], &["$A"], false),
    ("$B", 2, &["$A1"], &["$A"], false),
    ("$D", 2, &["$A1"], &["$A"], false),
    ("$C", 3, &["$B"], &["$B", "$A1"], false),
    ("$R", 3, &["$D"], &["$C"], true),
    ("$E", 4, &["$C", "$R"], &["$C"], false),
    ("$F", 5, &["$E"], &["$C"], false),
];

async fn store(db: &Database) {
    for (id, depth, prev, auth, rejected) in GRAPH {
        let auth: Vec<serde_json::Value> = auth
            .iter()
            .map(|a| match a.ends_with('1') {
                true => json!([a, {"sha256": "x"}]),
                false => json!(a),
            })
            .collect();
        let json = json!({"prev_events": prev, "auth_events": auth, "depth": depth}).to_string();
        db.persist_event(&NewEvent {
            event_id: id,
            room_id: ROOM,
            event_type: "m.room.message",
            state_key: None,
            sender: "@alice:example.org",
            origin_server_ts: 1,
            depth: *depth,
            json: &json,
            rejection_reason: rejected.then_some("test"),
            outlier: false,
        })
        .await
        .expect("event");
    }
}

fn rooms(db: Database) -> Rooms {
    let key = KeyPair::from_seed("ed25519:a", [7; 32]).expect("key");
    Rooms::new(db, "example.org".to_owned(), key, DEFAULT_ROOM_VERSION)
}

fn ids(events: &[StoredEvent]) -> Vec<&str> {
    events.iter().map(|e| e.event_id.as_str()).collect()
}

fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

#[tokio::test]
async fn rooms_backfill_takes_the_deepest_event_first() {
    each_backend(|db| async move {
        store(&db).await;
        let rooms = rooms(db.clone());
        let all = rooms
            .backfill_events(ROOM, &owned(&["$F"]), 100)
            .await
            .expect("backfill");
        // Same depth: the later stream position first (D after B).
        assert_eq!(ids(&all), ["$F", "$E", "$C", "$D", "$B", "$A1", "$A"]);
        let three = rooms
            .backfill_events(ROOM, &owned(&["$F", "$D"]), 3)
            .await
            .expect("backfill");
        assert_eq!(ids(&three), ["$F", "$E", "$C"]);
        let elsewhere = rooms
            .backfill_events("!other:example.org", &owned(&["$F"]), 10)
            .await
            .expect("backfill");
        assert!(elsewhere.is_empty());
    })
    .await;
}

#[tokio::test]
async fn rooms_missing_events_stop_at_the_earliest_events() {
    each_backend(|db| async move {
        store(&db).await;
        let rooms = rooms(db.clone());
        let (earliest, latest) = (owned(&["$A1"]), owned(&["$F"]));
        let request = |limit, min_depth| MissingEvents {
            earliest: &earliest,
            latest: &latest,
            limit,
            min_depth,
        };
        let walk = |limit: u64, min_depth: i64| {
            let rooms = &rooms;
            let request = request(limit, min_depth);
            async move {
                let limit = usize::try_from(limit).expect("limit");
                rooms
                    .missing_events(ROOM, &request, limit)
                    .await
                    .expect("walk")
            }
        };
        assert_eq!(ids(&walk(10, 0).await), ["$B", "$D", "$C", "$E"]);
        assert_eq!(ids(&walk(2, 0).await), ["$C", "$E"]);
        assert_eq!(ids(&walk(10, 3).await), ["$C", "$E"]);
    })
    .await;
}

#[tokio::test]
async fn rooms_auth_chains_follow_both_reference_formats() {
    each_backend(|db| async move {
        store(&db).await;
        let rooms = rooms(db.clone());
        let from = db.events_by_ids(&["$E", "$R"]).await.expect("events");
        let chain = rooms.auth_chain(ROOM, &from).await.expect("chain");
        assert_eq!(ids(&chain), ["$A", "$A1", "$B", "$C"]);
        let from = db.events_by_ids(&["$A"]).await.expect("events");
        assert!(rooms
            .auth_chain(ROOM, &from)
            .await
            .expect("chain")
            .is_empty());
    })
    .await;
}
