//! The newest events of many rooms in one statement, each with the state after it: what an
//! initial `/sync` reads first for every joined room (`services/sync/initial.rs`).

use std::collections::HashMap;

use super::read::Columns;

use super::events::EVENT_COLUMNS;
use super::{Database, StateGroupId, StorageError, StoredEvent, StreamPosition};

/// A room's event with the state group after it (`None` when the event has no state group row).
pub type EventWithState = (StoredEvent, Option<StateGroupId>);

impl Database {
    /// For each of `room_ids`, its newest `per_room` timeline events at or before `upto`
    /// (the rows `room_events_between_desc` reads), newest first, each with its state group.
    /// Rooms without such events are absent.
    pub async fn room_timeline_heads(
        &self,
        room_ids: &[&str],
        upto: StreamPosition,
        per_room: u32,
    ) -> Result<HashMap<String, Vec<EventWithState>>, StorageError> {
        let mut heads: HashMap<String, Vec<EventWithState>> = HashMap::new();
        for chunk in room_ids.chunks(self.dialect.max_bind_params() - 3) {
            // One `LIMIT` per room, so each reads only its newest rows of the
            // `(room_id, stream_ordering)` index however long the room's history is.
            let sql = (0..chunk.len())
                .map(|i| {
                    format!(
                        "SELECT t.*, g.state_group FROM \
                           (SELECT {EVENT_COLUMNS} FROM events \
                            WHERE room_id = ${} AND stream_ordering <= $1 AND outlier = $2 \
                              AND rejection_reason IS NULL \
                            ORDER BY stream_ordering DESC LIMIT $3) t \
                         LEFT JOIN event_state_groups g ON g.event_id = t.event_id",
                        i + 4
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            let mut query = self
                .read_query(&sql)
                .bind(upto.0)
                .bind(false)
                .bind(i64::from(per_room));
            for room_id in chunk {
                query = query.bind(*room_id);
            }
            for row in query.fetch_all().await? {
                let group: Option<i64> = row.column("state_group")?;
                let event = StoredEvent::from_row(&row)?;
                heads
                    .entry(event.room_id.clone())
                    .or_default()
                    .push((event, group.map(StateGroupId)));
            }
        }
        for events in heads.values_mut() {
            events.sort_unstable_by_key(|(event, _)| std::cmp::Reverse(event.stream_position));
        }
        Ok(heads)
    }
}
