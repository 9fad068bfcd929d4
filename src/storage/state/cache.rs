//! Loaded state groups kept in memory.
//!
//! A state group never changes once its transaction committed (a new state is always a new
//! group), so a loaded group can be served from memory for as long as it is kept, by every
//! process sharing the database. The cache holds at most [`MAX_ENTRIES`] state entries in all
//! and forgets the groups loaded longest ago first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::{StateGroupId, StateMap};

/// The most state entries (one per `(type, state_key)` of a group) kept in all: about 150 bytes
/// each, so a full cache takes some 7 MiB.
const MAX_ENTRIES: usize = 50_000;

/// Recently loaded state groups.
#[derive(Debug, Default)]
pub(crate) struct StateCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    groups: HashMap<StateGroupId, Arc<StateMap>>,
    /// Groups in the order they were loaded, oldest first.
    order: VecDeque<StateGroupId>,
    entries: usize,
}

impl StateCache {
    /// The group, if kept.
    pub(crate) fn get(&self, group: StateGroupId) -> Option<Arc<StateMap>> {
        self.inner.lock().ok()?.groups.get(&group).cloned()
    }

    /// Keeps `state` as `group`'s, forgetting the oldest groups beyond the bound. A group larger
    /// than the whole bound is not kept.
    pub(crate) fn put(&self, group: StateGroupId, state: Arc<StateMap>) {
        if state.len() > MAX_ENTRIES {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.groups.contains_key(&group) {
            return;
        }
        inner.entries += state.len();
        inner.groups.insert(group, state);
        inner.order.push_back(group);
        while inner.entries > MAX_ENTRIES {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(gone) = inner.groups.remove(&oldest) {
                inner.entries -= gone.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(entries: usize) -> Arc<StateMap> {
        Arc::new(
            (0..entries)
                .map(|i| (("t".to_owned(), i.to_string()), format!("$e{i}")))
                .collect(),
        )
    }

    #[test]
    fn keeps_groups_and_forgets_the_oldest_beyond_the_bound() {
        let cache = StateCache::default();
        let half = MAX_ENTRIES / 2;
        cache.put(StateGroupId(1), state(half));
        cache.put(StateGroupId(2), state(half));
        assert_eq!(cache.get(StateGroupId(1)).map(|s| s.len()), Some(half));
        cache.put(StateGroupId(3), state(1));
        assert!(
            cache.get(StateGroupId(1)).is_none(),
            "the oldest goes first"
        );
        assert!(cache.get(StateGroupId(2)).is_some());
        assert!(cache.get(StateGroupId(3)).is_some());
    }

    #[test]
    fn a_group_larger_than_the_bound_is_not_kept() {
        let cache = StateCache::default();
        cache.put(StateGroupId(7), state(MAX_ENTRIES + 1));
        assert!(cache.get(StateGroupId(7)).is_none());
    }
}
