//! `fanout`: N members long-poll `/sync`; one message is sent; the iteration's figure is the
//! time from the start of the send until the last member's `/sync` answer holding it arrived.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::percentiles;
use crate::setup::{wait_for_body, Ctx};
use crate::stats::Samples;
use crate::Args;

/// Time given to the members' long-polls to reach the server before the send.
const SETTLE: Duration = Duration::from_millis(500);
/// The longest wait for one member.
const LIMIT: Duration = Duration::from_secs(60);

pub async fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    // Fail before creating N users where the server has no /sync.
    let probe = ctx.users("fan-probe", 1).await?;
    ctx.sync_tokens(&probe).await?;
    let mut users = ctx.users("fan", args.fanout_members + 1).await?;
    let sender = users.remove(0);
    let room_id = ctx.room_with(&sender, &users).await?;
    let mut tokens = ctx.sync_tokens(&users).await?;
    let (mut last, mut each) = (Samples::default(), Samples::default());
    for i in 0..args.fanout_iterations {
        let body = format!("{}-fan-{i}", ctx.run_id);
        let mut polls = Vec::with_capacity(users.len());
        for (user, since) in users.iter().zip(tokens.drain(..)) {
            let (hs, user, body) = (ctx.hs.clone(), user.clone(), body.clone());
            polls.push(tokio::spawn(async move {
                wait_for_body(&hs, &user, since, &body, LIMIT).await
            }));
        }
        tokio::time::sleep(SETTLE).await;
        let begin = Instant::now();
        ctx.hs.send_text(&sender, &room_id, &body, &body).await?;
        let mut slowest = Duration::ZERO;
        for poll in polls {
            let (arrived, next) = poll.await??;
            let latency = arrived.saturating_duration_since(begin);
            each.push(latency);
            slowest = slowest.max(latency);
            tokens.push(next);
        }
        last.push(slowest);
    }
    let mut fields = Map::new();
    fields.insert("members".into(), json!(users.len()));
    fields.insert("iterations".into(), json!(last.len()));
    percentiles(&mut fields, "", &last);
    percentiles(&mut fields, "each_", &each);
    Ok(fields)
}
