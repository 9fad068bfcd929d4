//! The bounded delta chain: long histories load correctly and stay small.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::storage::testing::each_backend;
use crate::storage::{Database, StateGroupId, StateMap, MAX_DELTA_CHAIN};

const ROOM: &str = "!room:example.org";

type Change = ((String, String), Option<String>);

/// Applies `changes` to `expected` and stores them as a child of `parent`.
async fn step(
    db: &Database,
    parent: Option<StateGroupId>,
    expected: &mut StateMap,
    changes: Vec<Change>,
) -> StateGroupId {
    for (key, event) in &changes {
        match event {
            Some(event) => expected.insert(key.clone(), event.clone()),
            None => expected.remove(key),
        };
    }
    let borrowed: Vec<((&str, &str), Option<&str>)> = changes
        .iter()
        .map(|((t, k), e)| ((t.as_str(), k.as_str()), e.as_deref()))
        .collect();
    db.store_state_snapshot(ROOM, parent, &borrowed)
        .await
        .expect("store")
}

fn set(event_type: &str, state_key: &str, event_id: String) -> Change {
    (
        (event_type.to_owned(), state_key.to_owned()),
        Some(event_id),
    )
}

fn remove(event_type: &str, state_key: &str) -> Change {
    ((event_type.to_owned(), state_key.to_owned()), None)
}

/// Per group: (delta_base, chain_length, entry rows).
async fn layout(db: &Database) -> BTreeMap<i64, (Option<i64>, i64, i64)> {
    let mut layout = BTreeMap::new();
    let groups = sqlx::query("SELECT state_group, delta_base, chain_length FROM state_groups")
        .fetch_all(&db.read)
        .await
        .expect("groups");
    for row in groups {
        let group: i64 = row.get("state_group");
        layout.insert(group, (row.get("delta_base"), row.get("chain_length"), 0));
    }
    let counts = sqlx::query(
        "SELECT state_group, COUNT(*) AS n FROM state_group_entries GROUP BY state_group",
    )
    .fetch_all(&db.read)
    .await
    .expect("counts");
    for row in counts {
        let group: i64 = row.get("state_group");
        if let Some(entry) = layout.get_mut(&group) {
            entry.2 = row.get("n");
        }
    }
    layout
}

/// A growing room (joins, topic changes, removals) over 5× the chain bound: every group loads
/// exactly the expected state, chains stay within the bound, and each group's rows stay within
/// max(changes, state size).
#[tokio::test]
async fn storage_state_chain_longer_than_bound_loads_and_stays_bounded() {
    each_backend(|db| async move {
        let steps = (MAX_DELTA_CHAIN * 5) as usize;
        let mut expected = StateMap::new();
        let mut history: Vec<(StateGroupId, StateMap, usize)> = Vec::new();
        let mut parent = None;
        for i in 0..steps {
            let mut changes = vec![set("m.room.member", &format!("@u{i}:x"), format!("$j{i}"))];
            if i % 5 == 0 {
                changes.push(set("m.room.topic", "", format!("$topic{i}")));
            }
            if i % 7 == 6 {
                changes.push(remove("m.room.member", &format!("@u{}:x", i - 3)));
            }
            let n = changes.len();
            let group = step(&db, parent, &mut expected, changes).await;
            history.push((group, expected.clone(), n));
            parent = Some(group);
        }
        for (group, state, _) in &history {
            assert_eq!(
                &db.load_state(*group).await.expect("load"),
                state,
                "group {group:?}"
            );
        }
        let layout = layout(&db).await;
        for (group, state, changes) in &history {
            let (_, chain, rows) = layout[&group.0];
            assert!(chain <= MAX_DELTA_CHAIN, "chain {chain} of {group:?}");
            let bound = (*changes).max(state.len()) as i64;
            assert!(rows <= bound, "{group:?}: {rows} rows > {bound}");
        }
        let full = layout
            .values()
            .filter(|(base, _, _)| base.is_none())
            .count();
        assert!(full >= 2, "the bound forced new full snapshots ({full})");
        assert!(
            full <= steps / MAX_DELTA_CHAIN as usize + 1,
            "{full} full snapshots"
        );
    })
    .await;
}

/// A large, stable room: past the bound, groups are rebased on the full snapshot instead of
/// copying the whole state.
#[tokio::test]
async fn storage_state_chain_rebases_in_a_large_room() {
    each_backend(|db| async move {
        let mut expected = StateMap::new();
        let members: Vec<Change> = (0..1_000)
            .map(|i| set("m.room.member", &format!("@m{i}:x"), format!("$m{i}")))
            .collect();
        let mut parent = Some(step(&db, None, &mut expected, members).await);
        let mut checkpoints = Vec::new();
        for i in 0..(MAX_DELTA_CHAIN * 3) {
            let change = set(
                "m.room.member",
                &format!("@m{}:x", i * 3),
                format!("$leave{i}"),
            );
            let group = step(&db, parent, &mut expected, vec![change]).await;
            if i % 20 == 0 || i == MAX_DELTA_CHAIN {
                checkpoints.push((group, expected.clone()));
            }
            parent = Some(group);
        }
        checkpoints.push((parent.expect("group"), expected.clone()));
        for (group, state) in &checkpoints {
            assert_eq!(&db.load_state(*group).await.expect("load"), state);
        }
        let layout = layout(&db).await;
        let full = layout
            .values()
            .filter(|(base, _, _)| base.is_none())
            .count();
        assert_eq!(full, 1, "only the initial snapshot is full");
        let total: i64 = layout.values().map(|(_, _, rows)| rows).sum();
        assert!(total < 1_000 + 3 * 64 + 2 * 3 * 64, "{total} rows");
        assert!(layout
            .values()
            .all(|(_, chain, _)| *chain <= MAX_DELTA_CHAIN));
    })
    .await;
}

/// Measures state rows per state event in a room that grows to 600 members with 600 more
/// topic/name changes in between (one state group per state event). Run with `--nocapture`.
#[tokio::test]
async fn storage_state_rows_per_event_measurement() {
    each_backend(|db| async move {
        let mut expected = StateMap::new();
        let mut parent = None;
        let events = 1_200;
        for i in 0..events {
            let change = if i % 2 == 0 {
                set("m.room.member", &format!("@u{i}:x"), format!("$j{i}"))
            } else {
                set("m.room.topic", "", format!("$t{i}"))
            };
            parent = Some(step(&db, parent, &mut expected, vec![change]).await);
        }
        let state = db.load_state(parent.expect("group")).await.expect("load");
        assert_eq!(state, expected);
        let layout = layout(&db).await;
        let rows: i64 = layout.values().map(|(_, _, rows)| rows).sum();
        let full = layout
            .values()
            .filter(|(base, _, _)| base.is_none())
            .count();
        let per_event = rows as f64 / f64::from(events);
        eprintln!(
            "{:?}: {events} state events, final state {} keys, {rows} entry rows \
             ({per_event:.2} per event), {full} full snapshots",
            db.dialect(),
            state.len()
        );
        // Copying the full state into every group would be ~301 rows per event here.
        assert!(per_event < 20.0, "{per_event} rows per event");
    })
    .await;
}
