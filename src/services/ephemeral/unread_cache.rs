//! Unread counts already computed, per user and room, so that a `/sync` reads only the events
//! that arrived since the last one counted (an initial sync of many long-unread rooms would
//! otherwise read every unread message of each, every time).
//!
//! Counts only grow with new events while the user's read receipts, membership event and
//! display name (what `unread` counts against) stay the same; any change of those starts the
//! room over. Events already counted never change in a way that matters: the counts read
//! their type, sender, thread and body, which are fixed once stored (backfilled events get
//! positions below every live one, so they never enter a counted range).

use std::collections::HashMap;
use std::sync::Mutex;

use super::unread::RoomUnread;
use crate::storage::StreamPosition;

/// Rooms kept at most (over all users); past it, the cache starts over.
const MAX_ENTRIES: usize = 65_536;

/// What the counts of a room depend on besides its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Basis {
    /// The user's read positions by thread id (`""`: unthreaded), sorted.
    pub read: Vec<(String, StreamPosition)>,
    /// The user's membership event.
    pub joined_at: StreamPosition,
    /// Whether threads are counted separately.
    pub by_thread: bool,
    /// The user's display name (a mention).
    pub displayname: Option<String>,
}

#[derive(Debug)]
struct Entry {
    basis: Basis,
    upto: StreamPosition,
    /// The receipts stream's position when `basis.read` was known to be current.
    receipts_at: StreamPosition,
    unread: RoomUnread,
}

/// (user id, room id) → the counts up to a position.
#[derive(Debug, Default)]
pub struct UnreadCache {
    entries: Mutex<HashMap<(String, String), Entry>>,
}

impl UnreadCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        // A poisoned map only means a thread panicked while inserting; the map is consistent.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The counts kept for `basis` and the position they reach, if they are not past `upto`.
    pub(super) fn counted(
        &self,
        user_id: &str,
        room_id: &str,
        basis: &Basis,
        upto: StreamPosition,
    ) -> Option<(RoomUnread, StreamPosition)> {
        let entries = self.lock();
        let entry = entries.get(&(user_id.to_owned(), room_id.to_owned()))?;
        (entry.basis == *basis && entry.upto <= upto).then(|| (entry.unread.clone(), entry.upto))
    }

    /// The user's read positions in the room as last counted, if the receipts stream is still
    /// where it was then (`receipts_now`): no receipt can have moved them since.
    pub(super) fn read_positions(
        &self,
        user_id: &str,
        room_id: &str,
        receipts_now: StreamPosition,
    ) -> Option<Vec<(String, StreamPosition)>> {
        let entries = self.lock();
        let entry = entries.get(&(user_id.to_owned(), room_id.to_owned()))?;
        (entry.receipts_at == receipts_now).then(|| entry.basis.read.clone())
    }

    /// Keeps the counts of `basis` up to `upto`, an (events, receipts) stream position pair.
    pub(super) fn keep(
        &self,
        user_id: &str,
        room_id: &str,
        basis: Basis,
        (upto, receipts_at): (StreamPosition, StreamPosition),
        unread: &RoomUnread,
    ) {
        let mut entries = self.lock();
        let key = (user_id.to_owned(), room_id.to_owned());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                basis,
                upto,
                receipts_at,
                unread: unread.clone(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ephemeral::unread::UnreadCounts;

    fn basis(read_at: i64) -> Basis {
        Basis {
            read: vec![(String::new(), StreamPosition(read_at))],
            joined_at: StreamPosition(1),
            by_thread: false,
            displayname: None,
        }
    }

    #[test]
    fn kept_counts_serve_the_same_basis_up_to_a_later_position_only() {
        let cache = UnreadCache::default();
        let unread = RoomUnread {
            main: UnreadCounts {
                notifications: 3,
                highlights: 1,
            },
            ..RoomUnread::default()
        };
        cache.keep(
            "@a:x",
            "!r:x",
            basis(5),
            (StreamPosition(10), StreamPosition(4)),
            &unread,
        );
        assert_eq!(
            cache.read_positions("@a:x", "!r:x", StreamPosition(4)),
            Some(basis(5).read),
            "the read positions, while no receipt arrived"
        );
        assert_eq!(
            cache.read_positions("@a:x", "!r:x", StreamPosition(5)),
            None
        );
        assert_eq!(
            cache.counted("@a:x", "!r:x", &basis(5), StreamPosition(12)),
            Some((unread.clone(), StreamPosition(10)))
        );
        assert_eq!(
            cache.counted("@a:x", "!r:x", &basis(5), StreamPosition(10)),
            Some((unread, StreamPosition(10)))
        );
        assert_eq!(
            cache.counted("@a:x", "!r:x", &basis(5), StreamPosition(9)),
            None,
            "counts past the position asked for"
        );
        assert_eq!(
            cache.counted("@a:x", "!r:x", &basis(7), StreamPosition(12)),
            None,
            "a new read receipt starts over"
        );
        assert_eq!(
            cache.counted("@b:x", "!r:x", &basis(5), StreamPosition(12)),
            None
        );
    }
}
