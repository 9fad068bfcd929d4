//! `idle_longpolls`: N users each hold one `/sync` long-poll (with `since`, timeout 30 s) on
//! a server with nothing to tell them. With `--pid`, the server's memory is read before and
//! while they are held, and its CPU use over a window while they are held.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::client::next_batch;
use crate::procfs;
use crate::setup::{Ctx, LONG_POLL_MS};
use crate::stats::round;
use crate::Args;

/// Counters shared by the polling tasks.
#[derive(Default)]
struct Counters {
    /// Long-polls that answered (a timeout or new data), each followed by a new one.
    answered: AtomicUsize,
    /// Long-polls that failed; the task then stops.
    failed: AtomicUsize,
}

pub async fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    let n = args.longpolls;
    // Fail before creating N users where the server has no /sync.
    let probe = ctx.users("idle-probe", 1).await?;
    ctx.sync_tokens(&probe).await?;
    let users = ctx.users("idle", n).await?;
    let tokens = ctx.sync_tokens(&users).await?;
    let before = args.pid.map(procfs::memory).transpose()?;
    let counters = Arc::new(Counters::default());
    let hold_until = Instant::now() + Duration::from_secs(120);
    let mut tasks = tokio::task::JoinSet::new();
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    for (user, since) in users.into_iter().zip(tokens) {
        let (hs, counters, first_error) = (ctx.hs.clone(), counters.clone(), first_error.clone());
        tasks.spawn(async move {
            let mut since = since;
            // Bounded: one round per 30 s poll at most until `hold_until`, and the scenario
            // aborts the tasks long before that.
            while Instant::now() < hold_until {
                match hs.sync(&user, Some(&since), LONG_POLL_MS).await {
                    Ok(answer) => {
                        counters.answered.fetch_add(1, Ordering::Relaxed);
                        match next_batch(&answer) {
                            Ok(next) => since = next,
                            Err(_) => break,
                        }
                    }
                    Err(error) => {
                        counters.failed.fetch_add(1, Ordering::Relaxed);
                        first_error
                            .lock()
                            .expect("not poisoned")
                            .get_or_insert(format!("{error:#}"));
                        break;
                    }
                }
            }
        });
    }
    // Let every request reach the server (connection set-up for N sockets takes a moment).
    let settle = Duration::from_secs(5).max(Duration::from_millis(5 * n as u64));
    tokio::time::sleep(settle).await;
    let mut fields = Map::new();
    fields.insert("longpolls".into(), json!(n));
    fields.insert("settle_s".into(), json!(settle.as_secs_f64()));
    if let (Some(pid), Some(before)) = (args.pid, before) {
        let window = Duration::from_secs(args.cpu_window_s);
        let cpu = procfs::cpu_percent(pid, window).await?;
        let held = procfs::memory(pid)?;
        let per_poll = (held.rss_kb as f64 - before.rss_kb as f64) / n.max(1) as f64;
        let per_poll_private =
            (held.private_kb as f64 - before.private_kb as f64) / n.max(1) as f64;
        fields.insert("rss_before_kb".into(), json!(before.rss_kb));
        fields.insert("rss_held_kb".into(), json!(held.rss_kb));
        fields.insert("pss_held_kb".into(), json!(held.pss_kb));
        fields.insert("kb_rss_per_longpoll".into(), json!(round(per_poll)));
        fields.insert(
            "kb_private_per_longpoll".into(),
            json!(round(per_poll_private)),
        );
        fields.insert("cpu_window_s".into(), json!(args.cpu_window_s));
        fields.insert("cpu_percent".into(), json!(round(cpu)));
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    let failed = counters.failed.load(Ordering::Relaxed);
    fields.insert(
        "answered_while_held".into(),
        json!(counters.answered.load(Ordering::Relaxed)),
    );
    fields.insert("failed".into(), json!(failed));
    if failed > 0 {
        let error = first_error
            .lock()
            .expect("not poisoned")
            .take()
            .unwrap_or_default();
        anyhow::bail!("{failed} of {n} long-polls failed; first: {error}");
    }
    Ok(fields)
}
