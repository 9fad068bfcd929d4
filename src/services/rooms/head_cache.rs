//! The tips of recently written rooms, kept between requests so that a send does not reload
//! the room's state and auth events. A cached tip is only used after checking, against the
//! database, that the room's current state group and forward extremities are still the ones it
//! was built on: another process sharing the database (or any other writer) invalidates it.

use std::collections::HashMap;
use std::sync::Mutex;

use super::head::RoomHead;

/// Tips kept at most; past it, the cache starts over (rooms written to often refill it).
const MAX_ROOMS: usize = 1024;

/// Room id → the room's tip after the last event this process appended.
#[derive(Debug, Default)]
pub(super) struct HeadCache {
    heads: Mutex<HashMap<String, RoomHead>>,
}

impl HeadCache {
    /// Takes the cached tip of `room_id` out, unchecked (callers hold the room's write lock,
    /// and `append` puts the advanced tip back, so the state is not copied twice per send).
    pub(super) fn take(&self, room_id: &str) -> Option<RoomHead> {
        self.lock().remove(room_id)
    }

    /// Keeps `head` as the tip of its room.
    pub(super) fn put(&self, head: RoomHead) {
        let Some(room_id) = head.room_id.clone() else {
            return;
        };
        let mut heads = self.lock();
        if heads.len() >= MAX_ROOMS && !heads.contains_key(&room_id) {
            heads.clear();
        }
        heads.insert(room_id, head);
    }

    /// Forgets the tip of `room_id` (after a failed write, whose outcome is unknown).
    pub(super) fn forget(&self, room_id: &str) {
        self.lock().remove(room_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, RoomHead>> {
        self.heads.lock().unwrap_or_else(|e| e.into_inner())
    }
}
