//! A few keys of a state group, without loading the whole state: the same chain walk as
//! `chain`, joined only to the entries of the wanted keys (history visibility and one user's
//! membership, for `/messages`) and to their events, so its cost does not grow with the size
//! of the room's state and the events come in the same query.

use std::collections::BTreeMap;

use crate::storage::read::{Columns, Row};

use super::MAX_DELTA_CHAIN;
use crate::storage::{Database, StateGroupId, StorageError, StoredEvent};

const CHAIN: &str = "\
    WITH RECURSIVE chain (state_group, delta_base, hops) AS ( \
        SELECT state_group, delta_base, CAST(0 AS BIGINT) FROM state_groups \
        WHERE state_group = $1 \
        UNION ALL \
        SELECT g.state_group, g.delta_base, c.hops + 1 \
        FROM state_groups g JOIN chain c ON g.state_group = c.delta_base \
        WHERE c.hops < $2 \
    ) ";

const EVENT_COLUMNS: &str = ", ev.stream_ordering, ev.event_id AS stored_event_id, ev.room_id, \
                             ev.event_type AS stored_event_type, \
                             ev.state_key AS stored_state_key, ev.sender, \
                             ev.origin_server_ts, ev.depth, ev.json, ev.rejection_reason, \
                             ev.outlier";

impl Database {
    /// The events at `keys` in the state of `group` (keys without an event are absent).
    pub async fn load_state_key_events(
        &self,
        group: StateGroupId,
        keys: &[(&str, &str)],
    ) -> Result<BTreeMap<(String, String), StoredEvent>, StorageError> {
        let mut state = BTreeMap::new();
        for (key, row) in self.key_rows(group, keys).await? {
            match row.column::<Option<String>>("stored_event_id")? {
                Some(_) => state.insert(key, stored_event(&row)?),
                None => state.remove(&key),
            };
        }
        Ok(state)
    }

    /// The chain's entry rows for `keys`, oldest group first, with the events.
    async fn key_rows(
        &self,
        group: StateGroupId,
        keys: &[(&str, &str)],
    ) -> Result<Vec<((String, String), Row)>, StorageError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<String> = (0..keys.len())
            .map(|n| {
                let first = 3 + 2 * n;
                format!("(k.event_type = ${first} AND k.state_key = ${})", first + 1)
            })
            .collect();
        let sql = format!(
            "{CHAIN}SELECT c.hops, k.event_type, k.state_key, i.event_id{EVENT_COLUMNS} \
             FROM chain c \
             JOIN state_group_entries e ON e.state_group = c.state_group \
             JOIN state_keys k ON k.state_key_nid = e.state_key_nid \
             LEFT JOIN event_nids i ON i.event_nid = e.event_nid \
             LEFT JOIN events ev ON ev.event_id = i.event_id \
             WHERE {} ORDER BY c.hops DESC",
            wanted.join(" OR ")
        );
        let mut query = self.read_query(&sql).bind(group.0).bind(MAX_DELTA_CHAIN);
        for (event_type, state_key) in keys {
            query = query.bind(*event_type).bind(*state_key);
        }
        let rows = query.fetch_all().await?;
        rows.into_iter()
            .map(|row| Ok(((row.column("event_type")?, row.column("state_key")?), row)))
            .collect()
    }
}

/// The joined event of a [`Database::load_state_key_events`] row.
fn stored_event(row: &Row) -> Result<StoredEvent, StorageError> {
    StoredEvent::from_row_as(
        row,
        ["stored_event_id", "stored_event_type", "stored_state_key"],
    )
}
