//! A few keys of a state group, without loading the whole state: the same chain walk as
//! `chain`, joined only to the entries of the wanted keys (history visibility and one user's
//! membership, for `/messages`), so its cost does not grow with the size of the room's state.

use sqlx::Row;

use super::{StateMap, MAX_DELTA_CHAIN};
use crate::storage::{Database, StateGroupId, StorageError};

const CHAIN: &str = "\
    WITH RECURSIVE chain (state_group, delta_base, hops) AS ( \
        SELECT state_group, delta_base, CAST(0 AS BIGINT) FROM state_groups \
        WHERE state_group = $1 \
        UNION ALL \
        SELECT g.state_group, g.delta_base, c.hops + 1 \
        FROM state_groups g JOIN chain c ON g.state_group = c.delta_base \
        WHERE c.hops < $2 \
    ) \
    SELECT c.hops, k.event_type, k.state_key, i.event_id \
    FROM chain c \
    JOIN state_group_entries e ON e.state_group = c.state_group \
    JOIN state_keys k ON k.state_key_nid = e.state_key_nid \
    LEFT JOIN event_nids i ON i.event_nid = e.event_nid \
    WHERE ";

impl Database {
    /// The entries of `keys` in the state of `group` (keys without an event are absent).
    pub async fn load_state_keys(
        &self,
        group: StateGroupId,
        keys: &[(&str, &str)],
    ) -> Result<StateMap, StorageError> {
        if keys.is_empty() {
            return Ok(StateMap::new());
        }
        let wanted: Vec<String> = (0..keys.len())
            .map(|n| {
                let first = 3 + 2 * n;
                format!("(k.event_type = ${first} AND k.state_key = ${})", first + 1)
            })
            .collect();
        let sql = format!("{CHAIN}{} ORDER BY c.hops DESC", wanted.join(" OR "));
        let mut query = sqlx::query(&sql).bind(group.0).bind(MAX_DELTA_CHAIN);
        for (event_type, state_key) in keys {
            query = query.bind(*event_type).bind(*state_key);
        }
        let mut state = StateMap::new();
        for row in query.fetch_all(&self.read).await? {
            let key = (row.try_get("event_type")?, row.try_get("state_key")?);
            match row.try_get::<Option<String>, _>("event_id")? {
                Some(event_id) => state.insert(key, event_id),
                None => state.remove(&key),
            };
        }
        Ok(state)
    }
}
