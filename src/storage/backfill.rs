//! Backfilled history (server-server API § "Backfilling and retrieving missing events"):
//! events older than everything this server had, stored at positions counting down from 0 (the
//! `backfill` stream), with the state group of their room's backfill anchor (the state before
//! this server joined), never as forward extremities or current state.

use super::events::insert_event_at;
use super::{Database, NewEvent, StateGroupId, StorageError, StoredEvent};

impl Database {
    /// Records the state before this server's join of `room_id`, for backfilled events.
    pub async fn set_backfill_anchor(
        &self,
        room_id: &str,
        group: StateGroupId,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO room_backfill_anchors (room_id, state_group) VALUES ($1, $2) \
             ON CONFLICT (room_id) DO UPDATE SET state_group = excluded.state_group",
        )
        .bind(room_id)
        .bind(group.0)
        .execute()
        .await?;
        Ok(())
    }

    /// The room's backfill anchor, if it was joined over federation.
    pub async fn backfill_anchor(
        &self,
        room_id: &str,
    ) -> Result<Option<StateGroupId>, StorageError> {
        let group: Option<i64> = self
            .read_query("SELECT state_group FROM room_backfill_anchors WHERE room_id = $1")
            .bind(room_id)
            .fetch_scalar()
            .await?;
        Ok(group.map(StateGroupId))
    }

    /// The room's oldest timeline event (lowest position), if any.
    pub async fn oldest_timeline_event(
        &self,
        room_id: &str,
    ) -> Result<Option<StoredEvent>, StorageError> {
        let row = self
            .read_query(&format!(
                "SELECT {} FROM events WHERE room_id = $1 AND outlier = $2 \
             AND rejection_reason IS NULL ORDER BY stream_ordering LIMIT 1",
                super::events::EVENT_COLUMNS
            ))
            .bind(room_id)
            .bind(false)
            .fetch_optional()
            .await?;
        row.as_ref().map(StoredEvent::from_row).transpose()
    }

    /// Stores a backfilled event below every position used so far, with `state_group`
    /// (replacing an outlier copy). [`StorageError::Conflict`] if it is in the timeline already.
    pub async fn persist_backfilled(
        &self,
        event: &NewEvent<'_>,
        state_group: StateGroupId,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        tx.query("DELETE FROM events WHERE event_id = $1 AND outlier = $2")
            .bind(event.event_id)
            .bind(true)
            .execute()
            .await?;
        let position: i64 = tx
            .query(
                "UPDATE streams SET position = position - 1 WHERE stream_name = 'backfill' \
             RETURNING position",
            )
            .fetch_scalar_one()
            .await?;
        insert_event_at(&mut tx, event, position).await?;
        super::room_events::record_state_after(&mut tx, event.event_id, state_group).await?;
        tx.commit().await?;
        Ok(())
    }
}
