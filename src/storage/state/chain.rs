//! Loading a state group's delta chain in one recursive query, and applying it.

use crate::storage::read::Columns;
use std::collections::BTreeMap;

use crate::storage::statement::Statement;

use super::{StateMap, MAX_DELTA_CHAIN};
use crate::storage::StorageError;

/// The group and its delta bases back to the full snapshot (at most `$2` hops), with their
/// entries, root (full snapshot) first. A group without entries yields one row of NULLs.
pub(super) const CHAIN_QUERY: &str = "\
    WITH RECURSIVE chain (state_group, delta_base, hops) AS ( \
        SELECT state_group, delta_base, CAST(0 AS BIGINT) FROM state_groups \
        WHERE state_group = $1 \
        UNION ALL \
        SELECT g.state_group, g.delta_base, c.hops + 1 \
        FROM state_groups g JOIN chain c ON g.state_group = c.delta_base \
        WHERE c.hops < $2 \
    ) \
    SELECT c.state_group, c.hops, c.delta_base, e.state_key_nid, e.event_nid, \
           k.event_type, k.state_key, i.event_id \
    FROM chain c \
    LEFT JOIN state_group_entries e ON e.state_group = c.state_group \
    LEFT JOIN state_keys k ON k.state_key_nid = e.state_key_nid \
    LEFT JOIN event_nids i ON i.event_nid = e.event_nid \
    ORDER BY c.hops DESC";

/// One entry of one group of a chain.
pub(super) struct ChainRow {
    pub(super) group: i64,
    delta_base: Option<i64>,
    key_nid: Option<i64>,
    event_nid: Option<i64>,
    event_type: Option<String>,
    state_key: Option<String>,
    event_id: Option<String>,
}

impl ChainRow {
    fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Ok(ChainRow {
            group: row.column("state_group")?,
            delta_base: row.column("delta_base")?,
            key_nid: row.column("state_key_nid")?,
            event_nid: row.column("event_nid")?,
            event_type: row.column("event_type")?,
            state_key: row.column("state_key")?,
            event_id: row.column("event_id")?,
        })
    }
}

/// The rows of `group`'s chain, oldest group (the full snapshot) first.
/// [`StorageError::NotFound`] if the group does not exist; [`StorageError::Invalid`] if the
/// chain does not reach a full snapshot within [`MAX_DELTA_CHAIN`] deltas.
/// `statement` is [`CHAIN_QUERY`], a read or inside a write transaction.
pub(super) async fn load_chain(
    statement: Statement<'_, '_>,
    group: i64,
) -> Result<Vec<ChainRow>, StorageError> {
    let rows = statement
        .bind(group)
        .bind(MAX_DELTA_CHAIN)
        .fetch_all()
        .await?;
    let rows = rows
        .iter()
        .map(ChainRow::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    match rows.first() {
        None => Err(StorageError::NotFound(format!("state group {group}"))),
        Some(root) if root.delta_base.is_some() => Err(StorageError::Invalid(format!(
            "state group {group}: no full snapshot within {MAX_DELTA_CHAIN} deltas"
        ))),
        Some(_) => Ok(rows),
    }
}

/// Applies chain rows (oldest first) as interned key → interned event.
pub(super) fn resolve_nids<'a>(rows: impl Iterator<Item = &'a ChainRow>) -> BTreeMap<i64, i64> {
    let mut state = BTreeMap::new();
    for row in rows {
        if let Some(key) = row.key_nid {
            match row.event_nid {
                Some(event) => state.insert(key, event),
                None => state.remove(&key),
            };
        }
    }
    state
}

/// Applies chain rows (oldest first) as `(type, state_key)` → event id.
pub(super) fn resolve_strings(rows: Vec<ChainRow>) -> StateMap {
    let mut state = StateMap::new();
    for row in rows {
        if let (Some(event_type), Some(state_key)) = (row.event_type, row.state_key) {
            match row.event_id {
                Some(event_id) => state.insert((event_type, state_key), event_id),
                None => state.remove(&(event_type, state_key)),
            };
        }
    }
    state
}
