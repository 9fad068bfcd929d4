//! The scenarios: each sets up its own users and rooms (fresh names per run), measures, and
//! returns its figures as JSON fields.

mod fanout;
mod idle_longpolls;
mod initial_sync;
mod messages;
mod register;
mod send;
mod send_to_sync;

use anyhow::bail;
use serde_json::{Map, Value};

use crate::setup::Ctx;
use crate::stats::Samples;
use crate::Args;

/// A scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Register,
    Send,
    SendToSync,
    Fanout,
    InitialSync,
    Messages,
    IdleLongpolls,
}

/// Every scenario, in the order `all` runs them (the idle long-polls last: they create the
/// most users).
const ALL: [Scenario; 7] = [
    Scenario::Register,
    Scenario::Send,
    Scenario::SendToSync,
    Scenario::Fanout,
    Scenario::InitialSync,
    Scenario::Messages,
    Scenario::IdleLongpolls,
];

/// The scenarios named on the command line (`all` for every one).
pub fn select(names: &[String]) -> anyhow::Result<Vec<Scenario>> {
    let mut chosen = Vec::new();
    for name in names {
        if name == "all" {
            return Ok(ALL.to_vec());
        }
        match ALL.iter().find(|s| s.name() == name) {
            Some(scenario) => chosen.push(*scenario),
            None => bail!("unknown scenario {name:?}"),
        }
    }
    Ok(chosen)
}

/// Runs one scenario.
pub async fn run(scenario: Scenario, ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    match scenario {
        Scenario::Register => register::run(ctx, args).await,
        Scenario::Send => send::run(ctx, args).await,
        Scenario::SendToSync => send_to_sync::run(ctx, args).await,
        Scenario::Fanout => fanout::run(ctx, args).await,
        Scenario::InitialSync => initial_sync::run(ctx, args).await,
        Scenario::Messages => messages::run(ctx, args).await,
        Scenario::IdleLongpolls => idle_longpolls::run(ctx, args).await,
    }
}

/// Adds `<prefix>p50_ms`, `p90`, `p99` and `mean` of `samples` to `fields`.
fn percentiles(fields: &mut Map<String, Value>, prefix: &str, samples: &Samples) {
    for (name, value) in [
        ("p50_ms", samples.percentile(50.0)),
        ("p90_ms", samples.percentile(90.0)),
        ("p99_ms", samples.percentile(99.0)),
        ("mean_ms", samples.mean()),
    ] {
        fields.insert(format!("{prefix}{name}"), value.into());
    }
}
