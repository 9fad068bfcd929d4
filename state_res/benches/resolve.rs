//! State resolution benchmark: ours against Ruma's `ruma-state-res` on synthetic rooms
//! (`resolve/synthetic.rs`) of 1,000, 10,000 and 100,000 events with 2, 10 and 20 forks, for
//! state resolution v2 (room version 10) and v2.1 (room version 12).
//!
//! Timed: one call resolving the forks' state sets, with every event already in memory. Ours is
//! the whole `resolve` (it walks the auth chains itself); Ruma's is `ruma_state_res::resolve`
//! given the auth chains of the state sets, computed (and cloned for each call) outside the
//! timed section, as its API asks; its conflicted state subgraph closure (v2.1) runs inside.
//! Before the timings, the peak heap growth of one call of each is printed (a counting
//! allocator), to show memory against input size.
//!
//! Run with `cargo bench -p state_res --bench resolve`; figures are in docs/performance.md.

#[allow(dead_code)]
#[path = "../tests/dag/ruma.rs"]
mod ruma;
#[path = "resolve/synthetic.rs"]
mod synthetic;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use ruma::{RumaRoom, RumaStateMap};
use state_res::resolve::{resolve, StateMap};
use state_res::room_version::RoomVersion;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use synthetic::{Shape, SyntheticRoom};

/// Counts live heap bytes and their peak.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            PEAK.fetch_max(live + new_size - layout.size(), Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak heap growth while `f` runs, in bytes.
fn peak_growth<T>(f: impl FnOnce() -> T) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    drop(f());
    PEAK.load(Ordering::Relaxed) - base
}

struct Case {
    name: &'static str,
    room: SyntheticRoom,
    ruma: RumaRoom,
    ruma_sets: Vec<RumaStateMap>,
    chains: Vec<ruma_state_res::utils::event_id_set::EventIdSet<ruma_common::OwnedEventId>>,
}

impl Case {
    fn new(name: &'static str, version: RoomVersion, shape: Shape) -> Self {
        let room = SyntheticRoom::build(version, &shape);
        let ruma = RumaRoom::new(&version, room.events.values(), |_| false);
        let ruma_sets: Vec<RumaStateMap> = room.state_sets.iter().map(RumaRoom::to_ruma).collect();
        let chains = ruma.auth_chains(&ruma_sets);
        Case {
            name,
            room,
            ruma,
            ruma_sets,
            chains,
        }
    }

    fn ours(&self) -> StateMap {
        let source = (|id: &str| self.room.events.get(id), |_: &str| false);
        resolve(
            &self.room.version,
            &self.room.room_id,
            &self.room.state_sets,
            &source,
        )
        .expect("ours resolves")
    }

    fn theirs(
        &self,
        chains: Vec<ruma_state_res::utils::event_id_set::EventIdSet<ruma_common::OwnedEventId>>,
    ) -> RumaStateMap {
        self.ruma
            .resolve_with_chains(&self.ruma_sets, chains)
            .expect("ruma resolves")
    }

    /// Prints the case's size, checks that both agree and prints their peak memory.
    fn describe(&self) {
        let ours = self.ours();
        let theirs = RumaRoom::from_ruma(&self.theirs(self.chains.clone()));
        assert_eq!(ours, theirs, "{}: ours and ruma disagree", self.name);
        let chains = self.chains.clone();
        let ours_bytes = peak_growth(|| self.ours());
        let ruma_bytes = peak_growth(|| self.theirs(chains));
        let state: usize = self.room.state_sets.iter().map(|s| s.len()).sum();
        println!(
            "{}: {} events, {} state sets ({} entries), {} conflicted keys; peak heap: ours {:.1} MiB, ruma {:.1} MiB (+ its auth chains {:.1} MiB given)",
            self.name,
            self.room.events.len(),
            self.room.state_sets.len(),
            state,
            self.room.conflicted_keys(),
            ours_bytes as f64 / (1 << 20) as f64,
            ruma_bytes as f64 / (1 << 20) as f64,
            peak_growth(|| self.chains.clone()) as f64 / (1 << 20) as f64,
        );
    }
}

fn cases(version: RoomVersion, tag: &'static str) -> Vec<Case> {
    let shapes = [
        (
            "1k",
            Shape {
                events: 1_000,
                forks: 2,
                custom_keys: 20,
            },
        ),
        (
            "10k",
            Shape {
                events: 10_000,
                forks: 10,
                custom_keys: 1_800,
            },
        ),
        (
            "100k",
            Shape {
                events: 100_000,
                forks: 20,
                custom_keys: 19_000,
            },
        ),
    ];
    shapes
        .into_iter()
        .map(|(size, shape)| {
            Case::new(
                if tag == "v2" {
                    size
                } else {
                    Box::leak(format!("{size}-{tag}").into_boxed_str())
                },
                version,
                shape,
            )
        })
        .collect()
}

fn bench_version(c: &mut Criterion, version: RoomVersion, group_name: &str, tag: &'static str) {
    let cases = cases(version, tag);
    for case in &cases {
        case.describe();
    }
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for case in &cases {
        let long = case.room.events.len() >= 100_000;
        group.measurement_time(Duration::from_secs(if long { 20 } else { 5 }));
        group.bench_function(BenchmarkId::new("ours", case.name), |b| {
            b.iter(|| case.ours())
        });
        group.bench_function(BenchmarkId::new("ruma", case.name), |b| {
            b.iter_batched(
                || case.chains.clone(),
                |chains| case.theirs(chains),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn state_resolution(c: &mut Criterion) {
    bench_version(c, RoomVersion::V10, "state_res_v2_room_v10", "v2");
    bench_version(c, RoomVersion::V12, "state_res_v2_1_room_v12", "v2.1");
}

criterion_group!(benches, state_resolution);
criterion_main!(benches);
