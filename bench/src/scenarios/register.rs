//! `register`: N users each registered (shared-secret API) then logged in with their password,
//! `concurrency` at a time. Rate: users per second through both steps.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::percentiles;
use crate::setup::{run_limited, Ctx, PASSWORD};
use crate::stats::{round, Samples};
use crate::Args;

pub async fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<Map<String, Value>> {
    let (hs, prefix) = (ctx.hs.clone(), format!("{}-reg", ctx.run_id));
    let start = Instant::now();
    let timings: Vec<(Duration, Duration)> =
        run_limited(args.register_users, ctx.concurrency, move |i| {
            let (hs, localpart) = (hs.clone(), format!("{prefix}-{i}"));
            async move {
                let begin = Instant::now();
                hs.register(&localpart, PASSWORD).await?;
                let registered = Instant::now();
                hs.login(&localpart, PASSWORD).await?;
                Ok((registered - begin, registered.elapsed()))
            }
        })
        .await?;
    let elapsed = start.elapsed().as_secs_f64();
    let (mut register, mut login) = (Samples::default(), Samples::default());
    for (r, l) in timings {
        register.push(r);
        login.push(l);
    }
    let mut fields = Map::new();
    fields.insert("users".into(), json!(args.register_users));
    fields.insert("concurrency".into(), json!(ctx.concurrency));
    fields.insert(
        "users_per_s".into(),
        json!(round(args.register_users as f64 / elapsed)),
    );
    percentiles(&mut fields, "register_", &register);
    percentiles(&mut fields, "login_", &login);
    Ok(fields)
}
