//! `send_to_sync`: B long-polls `/sync` (with `since`, timeout 30 s) while A sends; the latency
//! runs from the start of A's send until B's `/sync` answer holding the message arrives.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::percentiles;
use crate::client::next_batch;
use crate::setup::{wait_for_body, Ctx};
use crate::stats::Samples;
use crate::Args;

/// Time given to B's long-poll to reach the server before A sends.
const SETTLE: Duration = Duration::from_millis(20);
/// The longest wait for one message.
const LIMIT: Duration = Duration::from_secs(60);

pub async fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    let users = ctx.users("s2s", 2).await?;
    let (a, b) = (users[0].clone(), users[1].clone());
    let room_id = ctx.room_with(&a, std::slice::from_ref(&b)).await?;
    let mut since = next_batch(&ctx.hs.sync(&b, None, 0).await?)?;
    let mut samples = Samples::default();
    for i in 0..args.send_to_sync_iterations {
        let body = format!("{}-s2s-{i}", ctx.run_id);
        let (hs, b2, body2) = (ctx.hs.clone(), b.clone(), body.clone());
        let poll = tokio::spawn(async move { wait_for_body(&hs, &b2, since, &body2, LIMIT).await });
        tokio::time::sleep(SETTLE).await;
        let begin = Instant::now();
        ctx.hs.send_text(&a, &room_id, &body, &body).await?;
        let (arrived, next) = poll.await??;
        samples.push(arrived.saturating_duration_since(begin));
        since = next;
    }
    let mut fields = Map::new();
    fields.insert("iterations".into(), json!(samples.len()));
    percentiles(&mut fields, "", &samples);
    Ok(fields)
}
