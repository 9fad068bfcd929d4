//! The read side of `/sync`: stream positions, a user's memberships with their positions, and
//! room events by stream position range (the `(room_id, stream_ordering)` index), so an
//! incremental sync reads only what changed since the token.

use std::collections::HashMap;

use super::read::Columns;

use super::events::EVENT_COLUMNS;
use super::{Database, Dialect, StateGroupId, StorageError, StoredEvent, StreamPosition};

/// A user's membership of a room with the position of the member event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipPosition {
    /// The room.
    pub room_id: String,
    /// `join`, `invite`, `leave`, `ban` or `knock`.
    pub membership: String,
    /// The member event.
    pub event_id: String,
    /// The member event's position in the `events` stream.
    pub stream_position: StreamPosition,
}

/// A room's member counts and heroes (`Database::room_summary`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomSummary {
    /// Members per current membership.
    pub counts: HashMap<String, i64>,
    /// The heroes, in the order they joined or were invited.
    pub heroes: Vec<String>,
}

impl Database {
    /// Every stream's current position, by stream name.
    pub async fn stream_positions(&self) -> Result<HashMap<String, StreamPosition>, StorageError> {
        let rows = self
            .read_query("SELECT stream_name, position FROM streams")
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.column("stream_name")?,
                    StreamPosition(row.column("position")?),
                ))
            })
            .collect()
    }

    /// The user's current memberships (the member events in the rooms' current state).
    pub async fn user_memberships(
        &self,
        user_id: &str,
    ) -> Result<Vec<MembershipPosition>, StorageError> {
        let rows = self
            .read_query(
                "SELECT m.room_id, m.membership, m.event_id, e.stream_ordering \
             FROM room_memberships m JOIN events e ON e.event_id = m.event_id \
             WHERE m.user_id = $1 ORDER BY m.room_id",
            )
            .bind(user_id)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok(MembershipPosition {
                    room_id: row.column("room_id")?,
                    membership: row.column("membership")?,
                    event_id: row.column("event_id")?,
                    stream_position: StreamPosition(row.column("stream_ordering")?),
                })
            })
            .collect()
    }

    /// The user's last member event in the room at or before `upto`.
    pub async fn member_event_at(
        &self,
        room_id: &str,
        user_id: &str,
        upto: StreamPosition,
    ) -> Result<Option<StoredEvent>, StorageError> {
        let row = self
            .read_query(&format!(
                "SELECT {EVENT_COLUMNS} FROM events \
             WHERE event_type = 'm.room.member' AND state_key = $1 AND room_id = $2 \
               AND stream_ordering <= $3 AND outlier = $4 AND rejection_reason IS NULL \
             ORDER BY stream_ordering DESC LIMIT 1"
            ))
            .bind(user_id)
            .bind(room_id)
            .bind(upto.0)
            .bind(false)
            .fetch_optional()
            .await?;
        row.as_ref().map(StoredEvent::from_row).transpose()
    }

    /// The rooms with an event after `after` and up to `upto` (a range of the primary key).
    pub async fn rooms_with_events_between(
        &self,
        after: StreamPosition,
        upto: StreamPosition,
    ) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT DISTINCT room_id FROM events \
             WHERE stream_ordering > $1 AND stream_ordering <= $2",
        )
        .bind(after.0)
        .bind(upto.0)
        .fetch_column()
        .await
    }

    /// The room's timeline events after `after` and up to `upto`, newest first, at most
    /// `limit`; outliers and rejected events are left out.
    pub async fn room_events_between_desc(
        &self,
        room_id: &str,
        after: StreamPosition,
        upto: StreamPosition,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let rows = self
            .read_query(&format!(
                "SELECT {EVENT_COLUMNS} FROM events \
             WHERE room_id = $1 AND stream_ordering > $2 AND stream_ordering <= $3 \
               AND outlier = $4 AND rejection_reason IS NULL \
             ORDER BY stream_ordering DESC LIMIT $5"
            ))
            .bind(room_id)
            .bind(after.0)
            .bind(upto.0)
            .bind(false)
            .bind(i64::from(limit))
            .fetch_all()
            .await?;
        rows.iter().map(StoredEvent::from_row).collect()
    }

    /// The room's state after its last timeline event at or before `at` (`None` before the
    /// room's first event).
    pub async fn room_state_group_at(
        &self,
        room_id: &str,
        at: StreamPosition,
    ) -> Result<Option<StateGroupId>, StorageError> {
        let group: Option<i64> = self
            .read_query(
                "SELECT g.state_group FROM events e \
             JOIN event_state_groups g ON g.event_id = e.event_id \
             WHERE e.room_id = $1 AND e.stream_ordering <= $2 AND e.outlier = $3 \
               AND e.rejection_reason IS NULL \
             ORDER BY e.stream_ordering DESC LIMIT 1",
            )
            .bind(room_id)
            .bind(at.0)
            .bind(false)
            .fetch_scalar()
            .await?;
        Ok(group.map(StateGroupId))
    }

    /// The state after each of `event_ids` (unknown ids are left out).
    pub async fn event_state_groups(
        &self,
        event_ids: &[&str],
    ) -> Result<HashMap<String, StateGroupId>, StorageError> {
        let mut groups = HashMap::with_capacity(event_ids.len());
        for chunk in event_ids.chunks(self.dialect.max_bind_params()) {
            let sql = format!(
                "SELECT event_id, state_group FROM event_state_groups WHERE event_id IN ({})",
                Dialect::in_list(1, chunk.len())
            );
            let mut query = self.read_query(&sql);
            for event_id in chunk {
                query = query.bind(*event_id);
            }
            for row in query.fetch_all().await? {
                groups.insert(
                    row.column("event_id")?,
                    StateGroupId(row.column("state_group")?),
                );
            }
        }
        Ok(groups)
    }

    /// The transaction ids `user_id`'s `device_id` sent any of `event_ids` with.
    pub async fn transaction_ids(
        &self,
        user_id: &str,
        device_id: &str,
        event_ids: &[&str],
    ) -> Result<HashMap<String, String>, StorageError> {
        let mut ids = HashMap::new();
        for chunk in event_ids.chunks(self.dialect.max_bind_params() - 2) {
            let sql = format!(
                "SELECT event_id, txn_id FROM event_transactions \
                 WHERE user_id = $1 AND device_id = $2 AND event_id IN ({})",
                Dialect::in_list(3, chunk.len())
            );
            let mut query = self.read_query(&sql).bind(user_id).bind(device_id);
            for event_id in chunk {
                query = query.bind(*event_id);
            }
            for row in query.fetch_all().await? {
                ids.insert(row.column("event_id")?, row.column("txn_id")?);
            }
        }
        Ok(ids)
    }

    /// The room summary's figures: how many members the room has per current membership, and
    /// up to `limit` joined or invited members other than `user_id`, in the order they joined
    /// or were invited (the heroes).
    pub async fn room_summary(
        &self,
        room_id: &str,
        user_id: &str,
        limit: u32,
    ) -> Result<RoomSummary, StorageError> {
        let mut summaries = self.room_summaries(&[room_id], user_id, limit).await?;
        Ok(summaries.remove(room_id).unwrap_or_default())
    }

    /// [`Self::room_summary`] of each of `room_ids` at once (an initial `/sync` reads them for
    /// all of a user's rooms): one statement per chunk of rooms, whatever their number.
    pub async fn room_summaries(
        &self,
        room_ids: &[&str],
        user_id: &str,
        limit: u32,
    ) -> Result<HashMap<String, RoomSummary>, StorageError> {
        let mut summaries: HashMap<String, RoomSummary> = HashMap::new();
        let mut heroes: Vec<(String, i64, String)> = Vec::new();
        for chunk in room_ids.chunks(self.dialect.max_bind_params() - 2) {
            // Each room's counts per membership, then its first `limit` joined or invited
            // members other than the user, by the position of their member event.
            let rooms = Dialect::in_list(3, chunk.len());
            let sql = format!(
                "SELECT 'count' AS kind, room_id, membership AS name, COUNT(*) AS n \
                 FROM room_memberships WHERE room_id IN ({rooms}) GROUP BY room_id, membership \
                 UNION ALL \
                 SELECT 'hero', room_id, user_id, position FROM \
                   (SELECT m.room_id, m.user_id, e.stream_ordering AS position, \
                      ROW_NUMBER() OVER (PARTITION BY m.room_id ORDER BY e.stream_ordering) \
                        AS hero_rank \
                    FROM room_memberships m JOIN events e ON e.event_id = m.event_id \
                    WHERE m.room_id IN ({rooms}) AND m.user_id <> $1 \
                      AND m.membership IN ('join', 'invite')) ranked \
                 WHERE hero_rank <= $2"
            );
            let mut query = self.read_query(&sql).bind(user_id).bind(i64::from(limit));
            for room_id in chunk {
                query = query.bind(*room_id);
            }
            for row in query.fetch_all().await? {
                let kind: String = row.column("kind")?;
                let room_id: String = row.column("room_id")?;
                let name: String = row.column("name")?;
                let n: i64 = row.column("n")?;
                match kind.as_str() {
                    "count" => {
                        summaries.entry(room_id).or_default().counts.insert(name, n);
                    }
                    _ => heroes.push((room_id, n, name)),
                }
            }
        }
        heroes.sort_unstable();
        for (room_id, _, user) in heroes {
            summaries.entry(room_id).or_default().heroes.push(user);
        }
        Ok(summaries)
    }

    /// The users a new event in the room concerns: those joined, invited or knocking.
    pub async fn room_interested_users(&self, room_id: &str) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT user_id FROM room_memberships \
             WHERE room_id = $1 AND membership IN ('join', 'invite', 'knock')",
        )
        .bind(room_id)
        .fetch_column()
        .await
    }
}
