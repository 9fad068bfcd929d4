//! Room state snapshots ("state groups") as deltas with a bounded chain.
//!
//! A state group is either a **full snapshot** (`delta_base` NULL, `chain_length` 0: one entry
//! row per state key) or a **delta** against `delta_base` (one row per changed key; a NULL event
//! means "removed"). Loading walks at most [`MAX_DELTA_CHAIN`] deltas back to a full snapshot in
//! one recursive query and applies them oldest first.
//!
//! Storing a child of `parent`:
//! 1. if `parent.chain_length < MAX_DELTA_CHAIN`: a delta of just the changes against `parent`;
//! 2. otherwise (the chain would exceed the bound) the new state is computed, and
//!    - if it differs from the chain's full snapshot in at most half as many keys as it has,
//!      it is stored as a delta against that snapshot (chain length 1, "rebase"),
//!    - else as a new full snapshot.
//!
//! So every read touches at most `MAX_DELTA_CHAIN + 1` groups, and every group holds at most
//! `max(changes, state size)` rows. Event ids and `(type, state_key)` pairs are interned to
//! integers (`event_nids`, `state_keys`), so an entry row is three integers.

mod cache;
mod chain;
mod intern;
mod keys;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::write::Tx;

pub(crate) use self::cache::StateCache;
use self::chain::{load_chain, resolve_nids, resolve_strings, CHAIN_QUERY};
use self::intern::{insert_entries, intern_event_ids, intern_state_keys, Interned};
use super::read::Columns;
use super::{Database, Dialect, StorageError};

/// The longest chain of deltas between a state group and its full snapshot.
pub const MAX_DELTA_CHAIN: i64 = 64;

/// A stored state snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StateGroupId(pub i64);

/// Room state: `(event type, state key)` → event id.
pub type StateMap = BTreeMap<(String, String), String>;

/// A state key change: `((event type, state key), Some(event id))` sets the key, `None`
/// removes it.
pub type StateChange<'a> = ((&'a str, &'a str), Option<&'a str>);

/// What to write for a new group: interned state key → interned event (None: removed).
struct Snapshot {
    delta_base: Option<i64>,
    chain_length: i64,
    entries: BTreeMap<i64, Option<i64>>,
}

impl Database {
    /// Stores the state obtained by applying `changes` to `parent` (or to the empty state) and
    /// returns the new group. Later changes to the same key win. [`StorageError::NotFound`] if
    /// `parent` does not exist, [`StorageError::Invalid`] if it belongs to another room.
    pub async fn store_state_snapshot(
        &self,
        room_id: &str,
        parent: Option<StateGroupId>,
        changes: &[StateChange<'_>],
    ) -> Result<StateGroupId, StorageError> {
        let mut tx = self.begin_write().await?;
        let group = insert_state_group(&mut tx, self.dialect, room_id, parent, changes).await?;
        tx.commit().await?;
        Ok(group)
    }

    /// The full state of a group. [`StorageError::NotFound`] if the group does not exist.
    pub async fn load_state(&self, group: StateGroupId) -> Result<StateMap, StorageError> {
        Ok(StateMap::clone(&*self.load_state_shared(group).await?))
    }

    /// The full state of a group, shared with the cache of loaded groups (see `state/cache.rs`):
    /// for readers that do not change it.
    pub async fn load_state_shared(
        &self,
        group: StateGroupId,
    ) -> Result<Arc<StateMap>, StorageError> {
        if let Some(state) = self.state_cache.get(group) {
            return Ok(state);
        }
        let rows = load_chain(self.read_query(CHAIN_QUERY), group.0).await?;
        let state = Arc::new(resolve_strings(rows));
        self.state_cache.put(group, Arc::clone(&state));
        Ok(state)
    }

    /// Points the room's current state at `group`.
    pub async fn set_room_current_state_group(
        &self,
        room_id: &str,
        group: StateGroupId,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO room_current_state (room_id, state_group) VALUES ($1, $2) \
             ON CONFLICT (room_id) DO UPDATE SET state_group = excluded.state_group",
        )
        .bind(room_id)
        .bind(group.0)
        .execute()
        .await?;
        Ok(())
    }

    /// The room's current state group, if the room has state.
    pub async fn room_current_state_group(
        &self,
        room_id: &str,
    ) -> Result<Option<StateGroupId>, StorageError> {
        let group: Option<i64> = self
            .read_query("SELECT state_group FROM room_current_state WHERE room_id = $1")
            .bind(room_id)
            .fetch_scalar()
            .await?;
        Ok(group.map(StateGroupId))
    }

    /// Records the state of the room after `event_id` (set once per event).
    pub async fn set_event_state_group(
        &self,
        event_id: &str,
        group: StateGroupId,
    ) -> Result<(), StorageError> {
        self.write_query("INSERT INTO event_state_groups (event_id, state_group) VALUES ($1, $2)")
            .bind(event_id)
            .bind(group.0)
            .execute()
            .await?;
        Ok(())
    }

    /// The state group recorded after `event_id`, if any.
    pub async fn event_state_group(
        &self,
        event_id: &str,
    ) -> Result<Option<StateGroupId>, StorageError> {
        let group: Option<i64> = self
            .read_query("SELECT state_group FROM event_state_groups WHERE event_id = $1")
            .bind(event_id)
            .fetch_scalar()
            .await?;
        Ok(group.map(StateGroupId))
    }
}

/// [`Database::store_state_snapshot`] inside the caller's transaction (the room engine stores
/// an event and the state after it in one transaction).
pub(super) async fn insert_state_group(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    room_id: &str,
    parent: Option<StateGroupId>,
    changes: &[StateChange<'_>],
) -> Result<StateGroupId, StorageError> {
    let changes = intern_changes(conn, dialect, changes).await?;
    let snapshot = match parent {
        None => Snapshot {
            delta_base: None,
            chain_length: 0,
            entries: changes.into_iter().filter(|(_, e)| e.is_some()).collect(),
        },
        Some(parent) => plan_child(conn, room_id, parent, changes).await?,
    };
    let group: i64 = conn
        .query(
            "INSERT INTO state_groups (room_id, delta_base, chain_length) VALUES ($1, $2, $3) \
         RETURNING state_group",
        )
        .bind(room_id)
        .bind(snapshot.delta_base)
        .bind(snapshot.chain_length)
        .fetch_scalar_one()
        .await?;
    insert_entries(conn, dialect, group, &snapshot.entries).await?;
    Ok(StateGroupId(group))
}

/// Interns keys and event ids; the last change of a key wins.
async fn intern_changes(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    changes: &[StateChange<'_>],
) -> Result<BTreeMap<i64, Option<i64>>, StorageError> {
    let keys: Vec<(&str, &str)> = changes.iter().map(|(key, _)| *key).collect();
    let events: Vec<&str> = changes.iter().filter_map(|(_, event)| *event).collect();
    let key_nids = intern_state_keys(conn, dialect, &keys).await?;
    let event_nids = intern_event_ids(conn, dialect, &events).await?;
    let mut interned = BTreeMap::new();
    for (key, event) in changes {
        let key_nid = lookup(&key_nids, &[key.0, key.1])?;
        let event_nid = match event {
            Some(event) => Some(lookup(&event_nids, &[event])?),
            None => None,
        };
        interned.insert(key_nid, event_nid);
    }
    Ok(interned)
}

fn lookup(map: &Interned, key: &[&str]) -> Result<i64, StorageError> {
    let key: Vec<String> = key.iter().map(|part| (*part).to_owned()).collect();
    map.get(&key)
        .copied()
        .ok_or_else(|| StorageError::Invalid("interning lost a value".to_owned()))
}

/// Chooses delta, rebased delta or full snapshot for a child of `parent` (see module docs).
async fn plan_child(
    conn: &mut Tx<'_>,
    room_id: &str,
    parent: StateGroupId,
    changes: BTreeMap<i64, Option<i64>>,
) -> Result<Snapshot, StorageError> {
    let info = conn
        .query("SELECT room_id, chain_length FROM state_groups WHERE state_group = $1")
        .bind(parent.0)
        .fetch_optional()
        .await?;
    let Some(info) = info else {
        return Err(StorageError::NotFound(format!("state group {}", parent.0)));
    };
    let parent_room: String = info.column("room_id")?;
    let parent_chain: i64 = info.column("chain_length")?;
    if parent_room != room_id {
        return Err(StorageError::Invalid(format!(
            "state group {} belongs to another room",
            parent.0
        )));
    }
    if parent_chain < MAX_DELTA_CHAIN {
        return Ok(Snapshot {
            delta_base: Some(parent.0),
            chain_length: parent_chain + 1,
            entries: changes,
        });
    }
    let rows = load_chain(conn.query(CHAIN_QUERY), parent.0).await?;
    let root = rows.first().map(|row| row.group).unwrap_or(parent.0);
    let root_state = resolve_nids(rows.iter().filter(|row| row.group == root));
    let mut state = resolve_nids(rows.iter());
    for (key, event) in changes {
        match event {
            Some(event) => state.insert(key, event),
            None => state.remove(&key),
        };
    }
    let diff = diff_states(&root_state, &state);
    if diff.len() * 2 <= state.len() {
        return Ok(Snapshot {
            delta_base: Some(root),
            chain_length: 1,
            entries: diff,
        });
    }
    Ok(Snapshot {
        delta_base: None,
        chain_length: 0,
        entries: state.into_iter().map(|(k, e)| (k, Some(e))).collect(),
    })
}

/// The delta that turns `from` into `to`.
fn diff_states(from: &BTreeMap<i64, i64>, to: &BTreeMap<i64, i64>) -> BTreeMap<i64, Option<i64>> {
    let mut diff: BTreeMap<i64, Option<i64>> = to
        .iter()
        .filter(|(key, event)| from.get(key) != Some(event))
        .map(|(key, event)| (*key, Some(*event)))
        .collect();
    for key in from.keys().filter(|key| !to.contains_key(key)) {
        diff.insert(*key, None);
    }
    diff
}
