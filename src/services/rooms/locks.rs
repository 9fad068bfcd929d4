//! One write lock per room. Building an event reads the room's forward extremity and current
//! state; persisting it moves both. Holding the room's lock from the read to the write keeps
//! concurrent local sends from forking the DAG (single-server rooms stay linear). The same
//! keyed lock serialises inbound federation transactions per origin (`app/ports/transactions.rs`)
//! and key fetches per server (`federation/keys.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The per-room locks. Entries nobody holds or waits for are dropped as new rooms are locked,
/// so the map stays as large as the set of rooms being written to.
#[derive(Debug, Default)]
pub(crate) struct RoomLocks {
    rooms: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

impl RoomLocks {
    /// Waits for and takes the lock of `room_id`; it is released when the guard drops.
    pub(crate) async fn lock(&self, room_id: &str) -> OwnedMutexGuard<()> {
        let lock = {
            // A poisoned map only means another thread panicked while inserting; the map
            // itself is still consistent.
            let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
            if !rooms.contains_key(room_id) {
                rooms.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            Arc::clone(rooms.entry(room_id.to_owned()).or_default())
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_room_lock_excludes_writers_of_the_same_room_only() {
        let locks = Arc::new(RoomLocks::default());
        let held = locks.lock("!a:x").await;
        let other = tokio::time::timeout(Duration::from_millis(100), locks.lock("!b:x")).await;
        assert!(other.is_ok(), "another room is not blocked");
        let same = tokio::time::timeout(Duration::from_millis(50), locks.lock("!a:x")).await;
        assert!(same.is_err(), "the same room waits");
        drop(held);
        let again = tokio::time::timeout(Duration::from_millis(100), locks.lock("!a:x")).await;
        assert!(again.is_ok(), "released on drop");
    }

    #[tokio::test]
    async fn unused_room_locks_are_dropped() {
        let locks = RoomLocks::default();
        for i in 0..10 {
            drop(locks.lock(&format!("!{i}:x")).await);
        }
        let size = locks.rooms.lock().map(|rooms| rooms.len()).unwrap_or(0);
        assert!(size <= 1, "{size}");
    }
}
