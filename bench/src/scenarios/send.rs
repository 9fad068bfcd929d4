//! `send`: S senders in one room, each sending its share of the messages one after another
//! (so S requests are in flight); throughput and per-request latency.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::percentiles;
use crate::setup::{run_limited, Ctx};
use crate::stats::{round, Samples};
use crate::Args;

pub async fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    let senders = args.senders.max(1);
    let users = ctx.users("send", senders).await?;
    let room_id = ctx.room_with(&users[0], &users[1..]).await?;
    let per_sender = args.send_messages.div_ceil(senders);
    let (hs, users, run_id) = (ctx.hs.clone(), Arc::new(users), ctx.run_id.clone());
    let start = Instant::now();
    let latencies: Vec<Samples> = run_limited(senders, senders, move |s| {
        let (hs, users, room) = (hs.clone(), users.clone(), room_id.clone());
        let run_id = run_id.clone();
        async move {
            let mut samples = Samples::default();
            for i in 0..per_sender {
                let txn = format!("{run_id}-send-{s}-{i}");
                let begin = Instant::now();
                hs.send_text(&users[s], &room, &txn, &format!("load message {s}/{i}"))
                    .await?;
                samples.push(begin.elapsed());
            }
            Ok(samples)
        }
    })
    .await?;
    let elapsed = start.elapsed().as_secs_f64();
    let mut all = Samples::default();
    latencies.iter().for_each(|s| all.extend(s));
    let mut fields = Map::new();
    fields.insert("senders".into(), json!(senders));
    fields.insert("messages".into(), json!(all.len()));
    fields.insert(
        "msgs_per_s".into(),
        json!(round(all.len() as f64 / elapsed)),
    );
    percentiles(&mut fields, "", &all);
    Ok(fields)
}
