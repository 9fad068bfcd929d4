//! `initial_sync`: a user in R rooms holding M messages in all; the time of a fresh `/sync`
//! (no `since`, the server's default filter), repeated.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::percentiles;
use crate::setup::Ctx;
use crate::stats::Samples;
use crate::Args;

pub async fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    let user = ctx.users("init", 1).await?.remove(0);
    // Fail before the long set-up where the server has no /sync.
    ctx.hs.sync(&user, None, 0).await?;
    let rooms = args.initial_sync_rooms.max(1);
    let mut room_ids = Vec::with_capacity(rooms);
    for r in 0..rooms {
        let room_id = ctx.room_with(&user, &[]).await?;
        // Spread the messages evenly: the first rooms take the remainder.
        let count = args.initial_sync_messages / rooms
            + usize::from(r < args.initial_sync_messages % rooms);
        ctx.fill(&user, &room_id, count).await?;
        room_ids.push(room_id);
    }
    let mut samples = Samples::default();
    let mut joined = 0;
    let mut bytes = 0;
    for _ in 0..args.initial_sync_repetitions {
        let begin = Instant::now();
        let answer = ctx.hs.sync(&user, None, 0).await?;
        samples.push(begin.elapsed());
        joined = answer["rooms"]["join"].as_object().map_or(0, |r| r.len());
        bytes = answer.to_string().len();
    }
    if joined != rooms {
        anyhow::bail!("the initial /sync listed {joined} joined rooms, not {rooms}");
    }
    let mut fields = Map::new();
    fields.insert("rooms".into(), json!(rooms));
    fields.insert("messages".into(), json!(args.initial_sync_messages));
    fields.insert("repetitions".into(), json!(samples.len()));
    fields.insert("response_bytes".into(), json!(bytes));
    percentiles(&mut fields, "", &samples);
    Ok(fields)
}
