//! A driver for profiling state resolution (callgrind, perf): builds one synthetic room of the
//! resolve benchmark (`benches/resolve/synthetic.rs`) and resolves its state sets `runs` times.
//!
//! ```text
//! cargo build --release -p state_res --example resolve_profile
//! valgrind --tool=callgrind --toggle-collect='state_res::resolve::resolve*' \
//!     target/release/examples/resolve_profile 10 10000 1
//! ```
//!
//! Arguments: room version id (default 10), events (1000, 10000 or 100000: the benchmark's
//! shapes), runs (default 1).

#[allow(dead_code)]
#[path = "../benches/resolve/synthetic.rs"]
mod synthetic;

use state_res::resolve::resolve;
use state_res::room_version::RoomVersion;
use synthetic::{Shape, SyntheticRoom};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let version_id = args.first().map_or("10", String::as_str);
    let events: usize = args.get(1).map_or(10_000, |a| a.parse().expect("events"));
    let runs: usize = args.get(2).map_or(1, |a| a.parse().expect("runs"));
    let version = RoomVersion::from_id(version_id).expect("a known room version");
    let (forks, custom_keys) = match events {
        1_000 => (2, 20),
        10_000 => (10, 1_800),
        100_000 => (20, 19_000),
        _ => panic!("events must be 1000, 10000 or 100000 (the benchmark's shapes)"),
    };
    let shape = Shape {
        events,
        forks,
        custom_keys,
    };
    let room = SyntheticRoom::build(version, &shape);
    let source = (|id: &str| room.events.get(id), |_: &str| false);
    let mut entries = 0;
    let start = std::time::Instant::now();
    for _ in 0..runs {
        let resolved = resolve(&room.version, &room.room_id, &room.state_sets, &source);
        entries = resolved.expect("resolves").len();
    }
    let each = start.elapsed().as_secs_f64() * 1e3 / runs.max(1) as f64;
    println!("{events} events, {forks} forks: {entries} resolved entries, {runs} runs, {each:.3} ms each");
}
