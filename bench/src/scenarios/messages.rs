//! `messages`: a page of 100 events backwards from the end of a room holding 300 messages
//! (`GET /rooms/{roomId}/messages?dir=b&limit=100`), repeated.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::percentiles;
use crate::setup::Ctx;
use crate::stats::Samples;
use crate::Args;

/// Messages in the room.
const ROOM_MESSAGES: usize = 300;
/// The page size.
const PAGE: u32 = 100;

pub async fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    let user = ctx.users("msgs", 1).await?.remove(0);
    let room_id = ctx.room_with(&user, &[]).await?;
    // Fail before filling the room where the server has no /messages.
    ctx.hs.messages_backwards(&user, &room_id, PAGE).await?;
    ctx.fill(&user, &room_id, ROOM_MESSAGES).await?;
    let mut samples = Samples::default();
    let mut chunk = 0;
    for _ in 0..args.messages_repetitions {
        let begin = Instant::now();
        let answer = ctx.hs.messages_backwards(&user, &room_id, PAGE).await?;
        samples.push(begin.elapsed());
        chunk = answer["chunk"].as_array().map_or(0, Vec::len);
    }
    if chunk != PAGE as usize {
        anyhow::bail!("/messages returned {chunk} events, not {PAGE}");
    }
    let mut fields = Map::new();
    fields.insert("page".into(), json!(PAGE));
    fields.insert("repetitions".into(), json!(samples.len()));
    percentiles(&mut fields, "", &samples);
    Ok(fields)
}
