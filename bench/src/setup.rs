//! What the scenarios share: the run context, creating users and rooms in bulk with bounded
//! concurrency, and waiting (bounded) for a message to arrive through `/sync`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::{next_batch, sync_has_body, Homeserver, User};

/// The password of every user the tool creates.
pub const PASSWORD: &str = "bench-password";
/// The long-poll timeout of `/sync` requests, in milliseconds.
pub const LONG_POLL_MS: u64 = 30_000;

/// One run of the tool against one server.
#[derive(Clone)]
pub struct Ctx {
    /// The server.
    pub hs: Homeserver,
    /// Unique per run, so that a second run against the same server creates new users.
    pub run_id: String,
    /// How many setup requests run at once.
    pub concurrency: usize,
}

impl Ctx {
    /// `n` new users named `<run>-<tag>-<i>`, created with shared-secret registration.
    pub async fn users(&self, tag: &str, n: usize) -> anyhow::Result<Vec<User>> {
        let (hs, prefix) = (self.hs.clone(), format!("{}-{tag}", self.run_id));
        run_limited(n, self.concurrency, move |i| {
            let (hs, localpart) = (hs.clone(), format!("{prefix}-{i}"));
            async move { hs.register(&localpart, PASSWORD).await }
        })
        .await
    }

    /// A public room created by `creator` and joined by every one of `members`.
    pub async fn room_with(&self, creator: &User, members: &[User]) -> anyhow::Result<String> {
        let room_id = self
            .hs
            .create_room(creator, &json!({"preset": "public_chat"}))
            .await?;
        let (hs, members, room) = (self.hs.clone(), Arc::new(members.to_vec()), room_id.clone());
        run_limited(members.len(), self.concurrency, move |i| {
            let (hs, members, room) = (hs.clone(), members.clone(), room.clone());
            async move { hs.join(&members[i], &room).await }
        })
        .await?;
        Ok(room_id)
    }

    /// A `next_batch` token for each of `users` (one `/sync` each, without waiting).
    pub async fn sync_tokens(&self, users: &[User]) -> anyhow::Result<Vec<String>> {
        let (hs, users) = (self.hs.clone(), Arc::new(users.to_vec()));
        run_limited(users.len(), self.concurrency, move |i| {
            let (hs, users) = (hs.clone(), users.clone());
            async move { next_batch(&hs.sync(&users[i], None, 0).await?) }
        })
        .await
    }

    /// `count` messages from `user` into `room_id`, `self.concurrency` at a time.
    pub async fn fill(&self, user: &User, room_id: &str, count: usize) -> anyhow::Result<()> {
        let (hs, user, room) = (self.hs.clone(), user.clone(), room_id.to_owned());
        let run_id = self.run_id.clone();
        run_limited(count, self.concurrency, move |i| {
            let (hs, user, room) = (hs.clone(), user.clone(), room.clone());
            let txn = format!("{run_id}-fill-{}-{i}", short(&room));
            async move {
                let body = format!("filler message {i}");
                hs.send_text(&user, &room, &txn, &body).await.map(drop)
            }
        })
        .await?;
        Ok(())
    }
}

/// Runs `f(0..n)` with at most `concurrency` futures in flight; returns their results in order,
/// or the first error (the others are then aborted).
pub async fn run_limited<T, F, Fut>(n: usize, concurrency: usize, f: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let semaphore = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut results: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for i in 0..n {
        let permit = semaphore.clone().acquire_owned().await?;
        let future = f(i);
        tasks.spawn(async move {
            let result = future.await;
            drop(permit);
            (i, result)
        });
        // Collect finished tasks as we go, so an early error stops the loop.
        while let Some(done) = tasks.try_join_next() {
            let (i, result) = done?;
            results[i] = Some(result?);
        }
    }
    while let Some(done) = tasks.join_next().await {
        let (i, result) = done?;
        results[i] = Some(result?);
    }
    Ok(results.into_iter().flatten().collect())
}

/// Long-polls `/sync` for `user` from `since` until a timeline holds a message whose body is
/// `body`; returns when that answer arrived and its `next_batch`. Gives up after `limit`.
pub async fn wait_for_body(
    hs: &Homeserver,
    user: &User,
    mut since: String,
    body: &str,
    limit: Duration,
) -> anyhow::Result<(Instant, String)> {
    let deadline = Instant::now() + limit;
    // Bounded: each round either finds the body, or moves `since` on; rounds end at the deadline.
    for _ in 0..1_000 {
        if Instant::now() >= deadline {
            break;
        }
        let answer = hs.sync(user, Some(&since), LONG_POLL_MS).await?;
        let arrived = Instant::now();
        since = next_batch(&answer)?;
        if sync_has_body(&answer, body) {
            return Ok((arrived, since));
        }
    }
    bail!(
        "{} did not see {body:?} through /sync within {limit:?}",
        user.user_id
    )
}

/// A short, path-safe part of a room id for transaction ids.
fn short(room_id: &str) -> String {
    room_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect()
}
