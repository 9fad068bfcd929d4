//! Presence (client-server API § "Presence"), kept in memory per process (a restart forgets
//! it: everyone reads as `offline` until they sync again), on the in-memory `presence` stream.
//!
//! Synapse's rules: a `/sync` marks its user `online` (or what `set_presence` says; `offline`
//! leaves the state alone) and refreshes `last_active`; a periodic task makes online users
//! idle for 5 minutes `unavailable` and users with no `/sync` running or made in 30 s
//! `offline`. `currently_active` is true for online users active within the last minute.
//! Every change that clients see takes the next stream position and wakes the users sharing
//! a room with the user. With `presence.enabled: false` the endpoints answer but nothing is
//! stored or sent (Synapse's `use_presence`).
//!
//! The stream restarts at 0 with the process: a token ahead of it gets the current presence
//! of every user the syncing user shares a room with.
//!
//! Federation (server-server API § "Presence"): every change of a local user's presence that
//! clients see leaves as an `m.presence` EDU for the servers sharing a room with them, and is
//! pushed again every 25 minutes while they are not offline (Synapse's
//! `FEDERATION_PING_INTERVAL`, so other servers do not time them out). Other servers' users
//! take what their server pushes (`remote_presence`: only users of the origin who are joined
//! to a room here); the local sync and idle timers never apply to them: they go `offline`
//! after 30 minutes without an update (Synapse's `FEDERATION_TIMEOUT`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use client_api::sync::PresenceEvent;
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Map, Value};
use state_res::ids::server_name_of;
use tracing::instrument;

use super::outgoing::EduOutbox;
use crate::services::notifier::Notifier;
use crate::services::{internal, now_ms};
use crate::storage::{Database, StorageError};

/// Idle this long, an online user becomes `unavailable` (Synapse's `IDLE_TIMER`).
const IDLE_MS: i64 = 5 * 60 * 1000;
/// Without a sync this long, a user becomes `offline` (Synapse's `SYNC_ONLINE_TIMEOUT`).
const SYNC_TIMEOUT_MS: i64 = 30 * 1000;
/// Active within this long: `currently_active` (Synapse's `LAST_ACTIVE_GRANULARITY`).
const ACTIVE_MS: i64 = 60 * 1000;
/// A remote user without an update this long becomes `offline` (Synapse's
/// `FEDERATION_TIMEOUT`).
const FEDERATION_TIMEOUT_MS: i64 = 30 * 60 * 1000;
/// A local user's unchanged presence is pushed to other servers again after this long
/// (Synapse's `FEDERATION_PING_INTERVAL`).
const FEDERATION_PING_MS: i64 = 25 * 60 * 1000;
/// How often the timeouts are checked.
const TICK: Duration = Duration::from_secs(5);

/// The presence service.
#[derive(Debug)]
pub struct Presence {
    database: Database,
    notifier: Arc<Notifier>,
    enabled: bool,
    /// Where local users' presence goes to other servers.
    outbox: EduOutbox,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    position: i64,
    users: HashMap<String, UserPresence>,
}

#[derive(Clone, Debug)]
struct UserPresence {
    presence: String,
    status_msg: Option<String>,
    last_active_ms: i64,
    last_sync_ms: i64,
    /// `/sync` requests running now (the user is online while one waits).
    syncing: u32,
    /// The stream position of the last change clients see.
    changed_at: i64,
    /// For other servers' users: what their server last pushed. `None`: a local user.
    remote: Option<Remote>,
    /// For local users: when their presence was last pushed to other servers.
    pushed_ms: i64,
}

/// What a remote user's server says beyond the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Remote {
    /// When the last update arrived, ms since the Unix epoch.
    updated_ms: i64,
    /// Its `currently_active`.
    currently_active: bool,
}

impl Default for UserPresence {
    fn default() -> Self {
        Self {
            presence: "offline".to_owned(),
            status_msg: None,
            last_active_ms: 0,
            last_sync_ms: 0,
            syncing: 0,
            changed_at: 0,
            remote: None,
            pushed_ms: 0,
        }
    }
}

/// Marks a running `/sync`; dropping it records the end of the sync.
#[derive(Debug)]
pub struct SyncGuard {
    presence: Option<Arc<Presence>>,
    user_id: String,
}

impl Presence {
    /// A presence service (with its timeout task when `enabled` and a runtime runs) sending
    /// local users' presence to other servers through `outbox`.
    pub fn new(
        database: Database,
        notifier: Arc<Notifier>,
        enabled: bool,
        outbox: EduOutbox,
    ) -> Arc<Self> {
        let presence = Arc::new(Self {
            database,
            notifier,
            enabled,
            outbox,
            state: Mutex::new(State::default()),
        });
        if let (true, Ok(runtime)) = (enabled, tokio::runtime::Handle::try_current()) {
            runtime.spawn(timeouts(Arc::downgrade(&presence)));
        }
        presence
    }

    /// `PUT /presence/{userId}/status`: only one's own (403).
    #[instrument(skip_all, fields(user = %user.user_id, presence))]
    pub async fn set_status(
        &self,
        user: &ClientUser,
        user_id: &str,
        presence: &str,
        status_msg: Option<String>,
    ) -> Result<(), MatrixError> {
        if user.user_id != user_id {
            return Err(MatrixError::forbidden(
                "Can only set your own presence state",
            ));
        }
        check_presence(presence)?;
        if !self.enabled {
            return Ok(());
        }
        let now = now_ms();
        self.change(user_id, |state| {
            state.presence = presence.to_owned();
            state.status_msg = status_msg.filter(|msg| !msg.is_empty());
            state.last_sync_ms = state.last_sync_ms.max(now);
            if presence == "online" {
                state.last_active_ms = now;
            }
        })
        .await;
        Ok(())
    }

    /// `GET /presence/{userId}/status`: oneself or a user sharing a room (403 otherwise).
    pub async fn get_status(
        &self,
        user: &ClientUser,
        user_id: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        if user.user_id != user_id {
            let shared = self
                .database
                .users_sharing_rooms(&user.user_id)
                .await
                .map_err(internal)?;
            if !shared.iter().any(|other| other == user_id) {
                return Err(MatrixError::forbidden(
                    "You are not allowed to see their presence.",
                ));
            }
        }
        let state = self.lock().users.get(user_id).cloned().unwrap_or_default();
        Ok(content(&state, now_ms()))
    }

    /// A `/sync` starts: `set_presence` (default `online`) applies and `last_active` is now.
    pub async fn syncing(self: &Arc<Self>, user_id: &str, set_presence: Option<&str>) -> SyncGuard {
        if !self.enabled {
            return SyncGuard {
                presence: None,
                user_id: user_id.to_owned(),
            };
        }
        let now = now_ms();
        let set = set_presence.unwrap_or("online");
        self.change(user_id, |state| {
            state.syncing += 1;
            state.last_sync_ms = now;
            match set {
                "online" => {
                    state.presence = "online".to_owned();
                    state.last_active_ms = now;
                }
                "unavailable" => state.presence = "unavailable".to_owned(),
                _ => {}
            }
        })
        .await;
        SyncGuard {
            presence: Some(Arc::clone(self)),
            user_id: user_id.to_owned(),
        }
    }

    /// An `m.presence` EDU from `origin`: `{"push": [{user_id, presence, last_active_ago?,
    /// currently_active?, status_msg?}]}`. Entries for users of other servers, for users not
    /// joined to any room here, or with an unknown state are ignored.
    pub async fn remote_presence(&self, origin: &str, content: &Value) -> Result<(), StorageError> {
        if !self.enabled {
            return Ok(());
        }
        let Some(push) = content.get("push").and_then(Value::as_array) else {
            tracing::debug!(origin, "m.presence EDU without push ignored");
            return Ok(());
        };
        for entry in push {
            let text = |key: &str| entry.get(key).and_then(Value::as_str);
            let (Some(user_id), Some(state)) = (text("user_id"), text("presence")) else {
                continue;
            };
            if server_name_of(user_id) != Some(origin) || check_presence(state).is_err() {
                tracing::debug!(origin, user_id, "m.presence entry ignored");
                continue;
            }
            if self.database.users_sharing_rooms(user_id).await?.is_empty() {
                continue;
            }
            let now = now_ms();
            let last_active_ago = entry.get("last_active_ago").and_then(Value::as_i64);
            let currently_active = entry.get("currently_active").and_then(Value::as_bool);
            let status_msg = text("status_msg").filter(|msg| !msg.is_empty());
            self.change(user_id, |presence| {
                presence.presence = state.to_owned();
                presence.status_msg = status_msg.map(str::to_owned);
                if let Some(ago) = last_active_ago {
                    presence.last_active_ms = now - ago.max(0);
                }
                presence.remote = Some(Remote {
                    updated_ms: now,
                    currently_active: currently_active.unwrap_or(false),
                });
            })
            .await;
        }
        Ok(())
    }

    /// The stream's position.
    pub fn position(&self) -> i64 {
        self.lock().position
    }

    /// The `m.presence` events of the users sharing a room with `user_id` (and their own)
    /// changed after `since` (all known ones without it) and up to `upto`.
    pub async fn changes(
        &self,
        user_id: &str,
        since: Option<i64>,
        upto: i64,
    ) -> Result<Vec<PresenceEvent>, MatrixError> {
        if !self.enabled || since.is_some_and(|since| since == upto) {
            return Ok(Vec::new());
        }
        // A token ahead of the stream is from before a restart: everything.
        let since = since.filter(|since| *since <= upto);
        let mut users = self
            .database
            .users_sharing_rooms(user_id)
            .await
            .map_err(internal)?;
        users.push(user_id.to_owned());
        users.sort_unstable();
        users.dedup();
        let now = now_ms();
        let changed: Vec<(String, UserPresence)> = {
            let state = self.lock();
            users
                .into_iter()
                .filter_map(|user| {
                    let presence = state.users.get(&user)?;
                    let new = since.is_none_or(|since| presence.changed_at > since);
                    (new && presence.changed_at <= upto).then(|| (user, presence.clone()))
                })
                .collect()
        };
        let mut events = Vec::with_capacity(changed.len());
        for (user, presence) in changed {
            let mut content = content(&presence, now);
            let profile = self.database.get_profile(&user).await.map_err(internal)?;
            let profile = profile.unwrap_or_default();
            content.insert("displayname".to_owned(), json!(profile.displayname));
            content.insert("avatar_url".to_owned(), json!(profile.avatar_url));
            events.push(PresenceEvent {
                event_type: "m.presence".to_owned(),
                sender: user,
                content: Value::Object(content),
            });
        }
        Ok(events)
    }

    /// Applies `update` to the user's presence; a change clients see takes a new position
    /// and wakes the users sharing a room with them.
    async fn change(&self, user_id: &str, update: impl FnOnce(&mut UserPresence)) {
        let now = now_ms();
        let changed = {
            let mut state = self.lock();
            let entry = state.users.entry(user_id.to_owned()).or_default();
            let before = visible(entry, now);
            update(entry);
            let changed = visible(entry, now) != before;
            if changed {
                state.position += 1;
                let position = state.position;
                if let Some(entry) = state.users.get_mut(user_id) {
                    entry.changed_at = position;
                }
            }
            changed
        };
        if changed {
            self.announce(user_id).await;
        }
    }

    /// A user's presence changed: wakes the users sharing a room with them and, for a local
    /// user, tells the other servers sharing one.
    async fn announce(&self, user_id: &str) {
        self.wake_sharing(user_id).await;
        self.push_to_servers(user_id).await;
    }

    /// Sends a local user's presence to the servers sharing a room with them (remote users'
    /// presence is their own server's to send).
    async fn push_to_servers(&self, user_id: &str) {
        let now = now_ms();
        let push = {
            let mut state = self.lock();
            let Some(presence) = state.users.get_mut(user_id) else {
                return;
            };
            if presence.remote.is_some() {
                return;
            }
            presence.pushed_ms = now;
            let mut push = content(presence, now);
            push.insert("user_id".to_owned(), json!(user_id));
            Value::Object(push)
        };
        self.outbox.presence(user_id, push).await;
    }

    /// The local users not offline whose presence was last pushed to other servers more than
    /// [`FEDERATION_PING_MS`] ago.
    fn due_for_ping(&self, now: i64) -> Vec<String> {
        let state = self.lock();
        state
            .users
            .iter()
            .filter(|(_, presence)| {
                presence.remote.is_none()
                    && presence.presence != "offline"
                    && now - presence.pushed_ms > FEDERATION_PING_MS
            })
            .map(|(user_id, _)| user_id.clone())
            .collect()
    }

    /// Wakes the users sharing a room with `user_id`, and them.
    async fn wake_sharing(&self, user_id: &str) {
        match self.database.users_sharing_rooms(user_id).await {
            Ok(mut users) => {
                users.push(user_id.to_owned());
                self.notifier.notify_users(&users);
            }
            Err(error) => tracing::error!(%error, "reading whom to wake for presence"),
        }
    }

    /// Applies the idle and sync timeouts; returns the users whose presence changed.
    fn expire(&self, now: i64) -> Vec<String> {
        let mut state = self.lock();
        let mut changed = Vec::new();
        for (user_id, presence) in &mut state.users {
            let before = visible(presence, now);
            if let Some(remote) = presence.remote {
                if presence.presence != "offline" && now - remote.updated_ms > FEDERATION_TIMEOUT_MS
                {
                    presence.presence = "offline".to_owned();
                }
            } else if presence.syncing == 0
                && presence.presence != "offline"
                && now - presence.last_sync_ms > SYNC_TIMEOUT_MS
            {
                presence.presence = "offline".to_owned();
            } else if presence.presence == "online" && now - presence.last_active_ms > IDLE_MS {
                presence.presence = "unavailable".to_owned();
            }
            if visible(presence, now) != before {
                changed.push(user_id.clone());
            }
        }
        for user_id in &changed {
            state.position += 1;
            let position = state.position;
            if let Some(presence) = state.users.get_mut(user_id) {
                presence.changed_at = position;
            }
        }
        changed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for SyncGuard {
    fn drop(&mut self) {
        if let Some(presence) = &self.presence {
            let mut state = presence.lock();
            if let Some(entry) = state.users.get_mut(&self.user_id) {
                entry.syncing = entry.syncing.saturating_sub(1);
                entry.last_sync_ms = now_ms();
            }
        }
    }
}

/// 400 `M_INVALID_PARAM` unless `presence` is one of the three states.
pub fn check_presence(presence: &str) -> Result<(), MatrixError> {
    if matches!(presence, "online" | "unavailable" | "offline") {
        Ok(())
    } else {
        Err(MatrixError::invalid_param(format!(
            "Invalid presence state {presence:?}"
        )))
    }
}

/// What clients see of a presence: the state, whether currently active, the status message.
fn visible(presence: &UserPresence, now: i64) -> (String, bool, Option<String>) {
    (
        presence.presence.clone(),
        currently_active(presence, now),
        presence.status_msg.clone(),
    )
}

fn currently_active(presence: &UserPresence, now: i64) -> bool {
    match presence.remote {
        Some(remote) => presence.presence != "offline" && remote.currently_active,
        None => presence.presence == "online" && now - presence.last_active_ms < ACTIVE_MS,
    }
}

/// The content of `m.presence` and of `GET /presence/{userId}/status`.
fn content(presence: &UserPresence, now: i64) -> Map<String, Value> {
    let mut content = Map::new();
    content.insert("presence".to_owned(), json!(presence.presence));
    if presence.last_active_ms > 0 {
        content.insert(
            "last_active_ago".to_owned(),
            json!((now - presence.last_active_ms).max(0)),
        );
    }
    if presence.presence != "offline" {
        content.insert(
            "currently_active".to_owned(),
            json!(currently_active(presence, now)),
        );
    }
    if let Some(status_msg) = &presence.status_msg {
        content.insert("status_msg".to_owned(), json!(status_msg));
    }
    content
}

/// The periodic timeout check; ends when the service is dropped.
async fn timeouts(presence: Weak<Presence>) {
    let mut interval = tokio::time::interval(TICK);
    loop {
        interval.tick().await;
        let Some(presence) = presence.upgrade() else {
            return;
        };
        let now = now_ms();
        for user_id in presence.expire(now) {
            presence.announce(&user_id).await;
        }
        for user_id in presence.due_for_ping(now) {
            presence.push_to_servers(&user_id).await;
        }
    }
}

#[cfg(test)]
mod tests;
