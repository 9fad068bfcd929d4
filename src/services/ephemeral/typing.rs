//! Typing notifications (client-server API § "Typing Notifications"), kept in memory as
//! Synapse does: per room, the typing users with their expiry. Every change (start, stop,
//! expiry) takes the next position of the in-memory `typing` stream and wakes the room's
//! users. A timer task per notice expires it on time; reads also drop expired entries.
//!
//! The stream restarts at 0 with the process: a token whose `typing` part is ahead of the
//! stream was issued before a restart, and gets the current typing state of every room.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use client_api::{ClientUser, MatrixError};
use state_res::ids::server_name_of;
use tokio::time::Instant;
use tracing::instrument;

use super::outgoing::EduOutbox;
use crate::services::internal;
use crate::services::notifier::Notifier;
use crate::storage::{Database, StorageError};

/// The longest a typing notice lasts (Synapse caps `timeout` at 120 s).
const MAX_TIMEOUT: Duration = Duration::from_secs(120);
/// `timeout` when the client sends none (Synapse's default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long another server's typing notice lasts (Synapse's `FEDERATION_TIMEOUT`; its
/// servers renew a notice every 40 s).
pub const REMOTE_TIMEOUT: Duration = Duration::from_secs(60);

/// The typing service.
#[derive(Debug)]
pub struct Typing {
    database: Database,
    notifier: Arc<Notifier>,
    /// Where local users' notices go to the room's other servers.
    outbox: EduOutbox,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The stream's position (the last change).
    position: i64,
    rooms: HashMap<String, RoomTyping>,
}

#[derive(Debug, Default)]
struct RoomTyping {
    /// User → when their notice expires.
    users: HashMap<String, Instant>,
    /// The position of the room's last change.
    changed_at: i64,
}

impl Typing {
    /// A typing service waking `/sync` through `notifier` (local notices stay local).
    pub fn new(database: Database, notifier: Arc<Notifier>) -> Arc<Self> {
        Self::with_outbox(database, notifier, EduOutbox::default())
    }

    /// [`Typing::new`], sending local users' notices to the room's other servers.
    pub fn with_outbox(
        database: Database,
        notifier: Arc<Notifier>,
        outbox: EduOutbox,
    ) -> Arc<Self> {
        Arc::new(Self {
            database,
            notifier,
            outbox,
            state: Mutex::new(State::default()),
        })
    }

    /// `PUT /rooms/{roomId}/typing/{userId}`: only for oneself (403), in a room one is joined
    /// to (403). `timeout` (ms) is capped at 120 s.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, typing))]
    pub async fn set_typing(
        self: &Arc<Self>,
        user: &ClientUser,
        room_id: &str,
        user_id: &str,
        typing: bool,
        timeout_ms: Option<u64>,
    ) -> Result<(), MatrixError> {
        if user.user_id != user_id {
            return Err(MatrixError::forbidden(
                "Cannot set another user's typing state",
            ));
        }
        let joined = self
            .database
            .is_joined(room_id, user_id)
            .await
            .map_err(internal)?;
        if !joined {
            return Err(MatrixError::forbidden(format!(
                "User {user_id} not in room {room_id}"
            )));
        }
        let timeout = timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TIMEOUT)
            .min(MAX_TIMEOUT);
        self.apply(room_id, user_id, typing, timeout, true).await;
        // Every start (renewals too: other servers expire a notice after their own timeout,
        // Synapse's 60 s) and stop goes to the room's other servers.
        self.outbox.typing(room_id, user_id, typing).await;
        Ok(())
    }

    /// An `m.typing` EDU from `origin` (server-server API § "Typing Notifications"): applied
    /// when the user belongs to `origin` and is joined to the room; ignored otherwise. A
    /// notice lasts [`REMOTE_TIMEOUT`] unless renewed or stopped (the EDU has no timeout).
    pub async fn remote_typing(
        self: &Arc<Self>,
        origin: &str,
        room_id: &str,
        user_id: &str,
        typing: bool,
    ) -> Result<(), StorageError> {
        if server_name_of(user_id) != Some(origin)
            || !self.database.is_joined(room_id, user_id).await?
        {
            tracing::debug!(origin, room_id, user_id, "m.typing EDU ignored");
            return Ok(());
        }
        self.apply(room_id, user_id, typing, REMOTE_TIMEOUT, false)
            .await;
        Ok(())
    }

    /// Starts (for `timeout`) or stops a notice; a change wakes the room's users. A `local`
    /// user's notice that expires is announced to the room's other servers as stopped.
    async fn apply(
        self: &Arc<Self>,
        room_id: &str,
        user_id: &str,
        typing: bool,
        timeout: Duration,
        local: bool,
    ) {
        let changed = if typing {
            let expiry = Instant::now() + timeout;
            let changed = self.start(room_id, user_id, expiry);
            let weak = Arc::downgrade(self);
            let room = room_id.to_owned();
            let announce = local.then(|| user_id.to_owned());
            tokio::spawn(async move {
                tokio::time::sleep_until(expiry).await;
                expire(weak, room, announce).await;
            });
            changed
        } else {
            self.stop(room_id, user_id)
        };
        if changed {
            self.notifier
                .notify_room(&self.database, room_id, None)
                .await;
        }
    }

    /// The stream's current position (expired notices dropped first).
    pub fn position(&self) -> i64 {
        let mut state = self.lock();
        state.expire_all(Instant::now());
        state.position
    }

    /// The typing users of `room_id` if the room changed after `since` (`None`: an initial
    /// sync, which gets non-empty sets only).
    pub fn typing_since(&self, room_id: &str, since: Option<i64>) -> Option<Vec<String>> {
        let mut state = self.lock();
        let now = Instant::now();
        if state.expire_room(room_id, now) {
            state.position += 1;
            let position = state.position;
            if let Some(room) = state.rooms.get_mut(room_id) {
                room.changed_at = position;
            }
        }
        let position = state.position;
        let room = state.rooms.get(room_id)?;
        let mut users: Vec<String> = room.users.keys().cloned().collect();
        users.sort_unstable();
        let changed = match since {
            None => !users.is_empty(),
            // A token from before a restart is ahead of the stream: send the current state.
            Some(since) => room.changed_at > since || since > position,
        };
        changed.then_some(users)
    }

    fn start(&self, room_id: &str, user_id: &str, expiry: Instant) -> bool {
        let mut state = self.lock();
        state.position += 1;
        let position = state.position;
        let room = state.rooms.entry(room_id.to_owned()).or_default();
        let new = room.users.insert(user_id.to_owned(), expiry).is_none();
        // A renewed notice changes nothing clients see, but keeps the position honest.
        if new {
            room.changed_at = position;
        }
        new
    }

    fn stop(&self, room_id: &str, user_id: &str) -> bool {
        let mut state = self.lock();
        let removed = state
            .rooms
            .get_mut(room_id)
            .is_some_and(|room| room.users.remove(user_id).is_some());
        if removed {
            state.position += 1;
            let position = state.position;
            if let Some(room) = state.rooms.get_mut(room_id) {
                room.changed_at = position;
            }
        }
        removed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// Drops the room's expired notices; whether any were.
    fn expire_room(&mut self, room_id: &str, now: Instant) -> bool {
        !self.expire_room_users(room_id, now).is_empty()
    }

    /// Drops the room's expired notices; the users whose notices they were.
    fn expire_room_users(&mut self, room_id: &str, now: Instant) -> Vec<String> {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return Vec::new();
        };
        let expired: Vec<String> = room
            .users
            .iter()
            .filter(|(_, expiry)| **expiry <= now)
            .map(|(user, _)| user.clone())
            .collect();
        for user in &expired {
            room.users.remove(user);
        }
        expired
    }

    /// Drops every expired notice, each room with a change getting a new position.
    fn expire_all(&mut self, now: Instant) {
        let rooms: Vec<String> = self.rooms.keys().cloned().collect();
        for room_id in rooms {
            if self.expire_room(&room_id, now) {
                self.position += 1;
                let position = self.position;
                if let Some(room) = self.rooms.get_mut(&room_id) {
                    room.changed_at = position;
                }
            }
        }
    }
}

/// A notice's timer: expires what is due in the room and wakes its users if anything was;
/// if `announce` (a local user) was among the expired, tells the room's other servers.
async fn expire(typing: Weak<Typing>, room_id: String, announce: Option<String>) {
    let Some(typing) = typing.upgrade() else {
        return;
    };
    let (changed, announced) = {
        let mut state = typing.lock();
        let expired = state.expire_room_users(&room_id, Instant::now());
        let changed = !expired.is_empty();
        let announced = announce.filter(|user| expired.contains(user));
        if changed {
            state.position += 1;
            let position = state.position;
            if let Some(room) = state.rooms.get_mut(&room_id) {
                room.changed_at = position;
            }
        }
        (changed, announced)
    };
    if changed {
        typing
            .notifier
            .notify_room(&typing.database, &room_id, None)
            .await;
    }
    if let Some(user_id) = announced {
        typing.outbox.typing(&room_id, &user_id, false).await;
    }
}
