//! Properties of state resolution (v1, v2 and v2.1) on the seeded random room DAGs of
//! `dag/generator.rs`, checked at every merge point:
//!
//! - the result does not depend on the order of the input state sets (reversed, rotated and
//!   shuffled orders);
//! - resolving a single state set returns it unchanged;
//! - resolving N copies of the same state set (N = 2–4) returns it;
//! - repeating the state sets (to 65, past the 63 the auth difference tracks in one pass)
//!   changes nothing.
//!
//! Room version 1 (state resolution v1, which Ruma does not implement) is covered here and by
//! the fixtures only. `CONCORD_STATE_RES_PROPERTY_DAGS` sets the number of DAGs per state
//! resolution version (default 200; 10,000 take about a minute in release).

#[allow(dead_code)]
mod dag {
    pub mod generator;
    pub mod room;
}

use dag::generator::{describe_merge, generate, Merge};
use dag::room::Room;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use state_res::resolve::StateMap;
use state_res::room_version::RoomVersion;

fn dag_count() -> u64 {
    std::env::var("CONCORD_STATE_RES_PROPERTY_DAGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

fn resolved(room: &Room, sets: &[StateMap]) -> StateMap {
    room.resolve(sets)
        .unwrap_or_else(|e| panic!("resolution failed: {e}\n{}", room.describe()))
}

/// Checks the three properties at one merge point; returns how many resolutions it ran.
fn check_merge(merge: &Merge<'_>, rng: &mut StdRng) -> u64 {
    let room = merge.room;
    let report = || describe_merge(merge);
    let mut runs = 0;
    // Order independence.
    let mut orders: Vec<Vec<StateMap>> = Vec::new();
    let mut reversed = merge.sets.to_vec();
    reversed.reverse();
    orders.push(reversed);
    let mut rotated = merge.sets.to_vec();
    rotated.rotate_left(1);
    orders.push(rotated);
    let mut shuffled = merge.sets.to_vec();
    shuffled.shuffle(rng);
    orders.push(shuffled);
    for order in &orders {
        let result = resolved(room, order);
        assert_eq!(
            &result,
            merge.resolved,
            "the order of the state sets changed the result\n{}",
            report()
        );
        runs += 1;
    }
    // Repeating the state sets (here to 65 of them) changes nothing: the split and the auth
    // difference only ask whether a key or an event is in every set.
    if rng.gen_bool(0.1) {
        let repeated: Vec<StateMap> = merge.sets.iter().cycle().take(65).cloned().collect();
        let result = resolved(room, &repeated);
        assert_eq!(&result, merge.resolved, "65 repeated sets\n{}", report());
        runs += 1;
    }
    // Single and repeated state sets.
    for set in merge.sets {
        assert_eq!(
            &resolved(room, std::slice::from_ref(set)),
            set,
            "single set\n{}",
            report()
        );
        let copies = vec![set.clone(); 2 + runs as usize % 3];
        assert_eq!(
            &resolved(room, &copies),
            set,
            "{} copies\n{}",
            copies.len(),
            report()
        );
        runs += 2;
    }
    runs
}

fn run(name: &str, first: u64, versions: &[RoomVersion]) {
    let (mut merges, mut runs) = (0u64, 0u64);
    for seed in first..first + dag_count() {
        let version = versions[(seed % versions.len() as u64) as usize];
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
        generate(seed, version, &mut |merge| {
            merges += 1;
            runs += check_merge(merge, &mut rng);
        });
    }
    println!(
        "{name}: {} DAGs, {merges} merge points, {runs} property resolutions",
        dag_count()
    );
    assert!(merges > 0);
}

#[test]
fn state_res_v1_is_order_independent_and_idempotent() {
    run("state res v1 properties", 1 << 33, &[RoomVersion::V1]);
}

#[test]
fn state_res_v2_is_order_independent_and_idempotent() {
    let versions = [RoomVersion::V2, RoomVersion::V6, RoomVersion::V10];
    run("state res v2 properties", 1 << 34, &versions);
}

#[test]
fn state_res_v2_1_is_order_independent_and_idempotent() {
    run("state res v2.1 properties", 1 << 35, &[RoomVersion::V12]);
}
