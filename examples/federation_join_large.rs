//! Benchmark: joining a large room over federation (issue #5). One Concord (the test harness's
//! server, SQLite, TLS on loopback) and one Synapse (`harness/synapse.rs`, from the virtualenv
//! `CONCORD_SYNAPSE_PYTHON` names) each host a public room of MEMBERS local members; then a
//! fresh Concord user joins the Synapse room and a fresh Synapse user joins the Concord room.
//! Timed: each `POST /join` until it answers 200, then until the joiner's `/sync` (an initial
//! sync with lazy-loaded members, polled) shows the room. Prints one JSON line per direction.
//!
//! `CONCORD_SYNAPSE_PYTHON=.../bin/python cargo run --release --example federation_join_large [-- MEMBERS]`
//!
//! With `JOIN_PERF=DIR`, `perf record -F 499 -e cpu-clock -g` samples this process (Concord
//! and the benchmark's client) during each timed join, into `DIR/concord-joins.data` and
//! `DIR/synapse-joins.data`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

#[allow(dead_code, unused_imports)]
#[path = "../tests/sytest/harness.rs"]
mod harness;

use harness::rooms::{call, create_room, encode};
use harness::synapse::Synapse;
use harness::{federating, register, Session, TestServer};

/// Requests in flight while filling a room.
const IN_FLIGHT: usize = 16;

/// Runs `task(n)` for each `n` in `1..count`, at most [`IN_FLIGHT`] at a time.
async fn bounded<F, Fut>(count: usize, task: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for n in 1..count {
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .expect("semaphore");
        let work = task(n);
        tasks.spawn(async move {
            work.await;
            drop(permit);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
}

fn join_path(room_id: &str, server_name: &str) -> String {
    format!(
        "/_matrix/client/v3/join/{}?server_name={}",
        encode(room_id),
        encode(server_name)
    )
}

/// An initial `/sync` with lazy-loaded members and a one-event timeline.
const SYNC: &str = "/_matrix/client/v3/sync?filter=%7B%22room%22%3A%7B%22state%22%3A%7B%22lazy_load_members%22%3Atrue%7D%2C%22timeline%22%3A%7B%22limit%22%3A1%7D%7D%7D";

/// The joined member count a sync answer gives for `room_id`, once it lists the room as joined.
fn synced_members(body: &Value, room_id: &str) -> Option<u64> {
    let room = body["rooms"]["join"].get(room_id)?;
    Some(
        room["summary"]["m.joined_member_count"]
            .as_u64()
            .unwrap_or(0),
    )
}

fn seconds(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// Polls `sync` (at most 2 minutes) until it shows `room_id`: seconds from `started`, and
/// the member count it showed.
async fn until_synced<F, Fut>(started: Instant, room_id: &str, sync: F) -> Option<(f64, u64)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = (u16, Value)>,
{
    while started.elapsed() < Duration::from_secs(120) {
        let (status, body) = sync().await;
        if status == 200 {
            if let Some(members) = synced_members(&body, room_id) {
                return Some((seconds(started), members));
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

async fn fill_concord_room(concord: &Arc<TestServer>, members: usize) -> String {
    let owner = register(concord, "owner", "secret-owner").await;
    let room_id = create_room(concord, &owner, json!({"preset": "public_chat"})).await;
    let room = Arc::new(room_id.clone());
    bounded(members, |n| {
        let (concord, room) = (Arc::clone(concord), Arc::clone(&room));
        async move {
            let name = format!("member{n}");
            let user = register(&concord, &name, "secret-member").await;
            let path = join_path(&room, &concord.server_name);
            let (status, body) = call(&concord, &user, Method::POST, &path, Some(&json!({}))).await;
            assert_eq!(status, 200, "{name} joining: {body}");
        }
    })
    .await;
    room_id
}

async fn fill_synapse_room(synapse: &Arc<Synapse>, members: usize) -> String {
    let owner = synapse.register("owner").await;
    let (status, body) = synapse
        .call(
            &owner,
            Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(&json!({"preset": "public_chat"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let room_id = body["room_id"].as_str().expect("room id").to_owned();
    let room = Arc::new(room_id.clone());
    bounded(members, |n| {
        let (synapse, room) = (Arc::clone(synapse), Arc::clone(&room));
        async move {
            let name = format!("member{n}");
            let user = synapse.register(&name).await;
            let path = join_path(&room, &synapse.server_name);
            let (status, body) = synapse
                .call(&user, Method::POST, &path, Some(&json!({})))
                .await;
            assert_eq!(status, 200, "{name} joining: {body}");
        }
    })
    .await;
    room_id
}

/// While alive, `perf record` samples this process into `$JOIN_PERF/{name}.data` (if set).
struct Profile(Option<std::process::Child>);

impl Profile {
    async fn start(name: &str) -> Self {
        let Ok(dir) = std::env::var("JOIN_PERF") else {
            return Profile(None);
        };
        let child = std::process::Command::new("perf")
            .args(["record", "-F", "499", "-e", "cpu-clock", "-g", "-o"])
            .arg(format!("{dir}/{name}.data"))
            .args(["-p", &std::process::id().to_string()])
            .spawn()
            .expect("perf");
        tokio::time::sleep(Duration::from_secs(1)).await;
        Profile(Some(child))
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

/// Synapse's log lines of the federation handshake (its timings of `make_join` and
/// `send_join`, served or requested), to stderr.
fn show_handshake_log(synapse: &Synapse) {
    for line in synapse.log().lines() {
        if line.contains("make_join") || line.contains("send_join") {
            eprintln!("synapse: {line}");
        }
    }
}

fn report(members: usize, joiner: &str, host: &str, join: f64, synced: Option<(f64, u64)>) {
    println!(
        "{}",
        json!({
            "scenario": "join_large_room",
            "members": members,
            "joiner": joiner,
            "host": host,
            "seconds": join,
            "sync_seconds": synced.map(|(s, _)| s),
            "synced_member_count": synced.map(|(_, m)| m),
        })
    );
}

/// A fresh Concord user joins the Synapse room.
async fn concord_joins(concord: &TestServer, synapse: &Synapse, room_id: &str, members: usize) {
    let joiner = register(concord, "joiner", "secret-joiner").await;
    let path = join_path(room_id, &synapse.server_name);
    let profile = Profile::start("concord-joins").await;
    let started = Instant::now();
    let (status, body) = call(concord, &joiner, Method::POST, &path, Some(&json!({}))).await;
    let join = seconds(started);
    drop(profile);
    show_handshake_log(synapse);
    let joined = Joined {
        members,
        joiner: "concord",
        host: "synapse",
        started,
        join,
    };
    joined
        .report_after_sync(status, &body, room_id, || {
            call(concord, &joiner, Method::GET, SYNC, None)
        })
        .await;
}

/// A fresh Synapse user joins the Concord room.
async fn synapse_joins(synapse: &Synapse, concord: &TestServer, room_id: &str, members: usize) {
    let joiner: Session = synapse.register("joiner").await;
    let path = join_path(room_id, &concord.server_name);
    let profile = Profile::start("synapse-joins").await;
    let started = Instant::now();
    let (status, body) = synapse
        .call(&joiner, Method::POST, &path, Some(&json!({})))
        .await;
    let join = seconds(started);
    drop(profile);
    show_handshake_log(synapse);
    let joined = Joined {
        members,
        joiner: "synapse",
        host: "concord",
        started,
        join,
    };
    joined
        .report_after_sync(status, &body, room_id, || {
            synapse.call(&joiner, Method::GET, SYNC, None)
        })
        .await;
}

/// A timed join: which server's user joined which server's room, and how long it took.
struct Joined {
    members: usize,
    joiner: &'static str,
    host: &'static str,
    started: Instant,
    join: f64,
}

impl Joined {
    /// Reports the join (failed unless `status` is 200), after waiting until the joiner's
    /// `sync` shows the room's members.
    async fn report_after_sync<F, Fut>(&self, status: u16, body: &Value, room_id: &str, sync: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = (u16, Value)>,
    {
        let Self {
            members,
            joiner,
            host,
            started,
            join,
        } = *self;
        if status != 200 {
            eprintln!("{joiner} joining failed after {join} s: {status} {body}");
            report(members, joiner, host, f64::NAN, None);
            return;
        }
        let synced = until_synced(started, room_id, sync).await;
        report(members, joiner, host, join, synced);
    }
}

#[tokio::main]
async fn main() {
    let members: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let synapse = Arc::new(
        Synapse::start()
            .await
            .expect("set CONCORD_SYNAPSE_PYTHON to a Python with matrix-synapse"),
    );
    let concord = Arc::new(federating().await);

    let setup = Instant::now();
    let synapse_room = fill_synapse_room(&synapse, members).await;
    eprintln!("Synapse room of {members} filled in {} s", seconds(setup));
    let setup = Instant::now();
    let concord_room = fill_concord_room(&concord, members).await;
    eprintln!("Concord room of {members} filled in {} s", seconds(setup));

    concord_joins(&concord, &synapse, &synapse_room, members).await;
    synapse_joins(&synapse, &concord, &concord_room, members).await;
}
