//! A room's timeline in stream order, for `/messages`, `/context` and `/members?at=`: pages of
//! events between two stream positions (by the `events_room_stream` index on
//! `(room_id, stream_ordering)`), each with the state group after it.
//!
//! Outliers and rejected events are not part of the timeline and are left out. On a
//! single-server DAG the stream order is the topological order.

use super::read::Columns;

use super::{Database, StateGroupId, StorageError, StoredEvent, StreamPosition};

const TIMELINE_COLUMNS: &str = "e.stream_ordering, e.event_id, e.room_id, e.event_type, \
                                e.state_key, e.sender, e.origin_server_ts, e.depth, e.json, \
                                e.rejection_reason, e.outlier, g.state_group";

/// Which way a page runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Newest first, towards the room's creation.
    Backward,
    /// Oldest first, towards the room's present.
    Forward,
}

/// A timeline event with the state of the room after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEvent {
    /// The event.
    pub event: StoredEvent,
    /// The state group after it (`None` only for inconsistent data).
    pub state_group: Option<StateGroupId>,
}

/// The range of a timeline page. Positions name the point just after that event: `Backward`
/// reads events at or below `from` and above `to`; `Forward` reads events above `from` and at
/// or below `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineRange {
    /// Where the page starts.
    pub from: StreamPosition,
    /// Where it must stop, if anywhere.
    pub to: Option<StreamPosition>,
    /// Which way it runs.
    pub direction: Direction,
    /// At most this many events.
    pub limit: u32,
}

impl Database {
    /// The room's timeline events in `range`, in the range's direction.
    pub async fn room_timeline(
        &self,
        room_id: &str,
        range: TimelineRange,
    ) -> Result<Vec<TimelineEvent>, StorageError> {
        let (condition, order, to_default) = match range.direction {
            Direction::Backward => (
                "e.stream_ordering <= $2 AND e.stream_ordering > $3",
                "DESC",
                i64::MIN,
            ),
            Direction::Forward => (
                "e.stream_ordering > $2 AND e.stream_ordering <= $3",
                "ASC",
                i64::MAX,
            ),
        };
        let sql = format!(
            "SELECT {TIMELINE_COLUMNS} FROM events e \
             LEFT JOIN event_state_groups g ON g.event_id = e.event_id \
             WHERE e.room_id = $1 AND {condition} \
               AND e.outlier = $4 AND e.rejection_reason IS NULL \
             ORDER BY e.stream_ordering {order} LIMIT $5"
        );
        let rows = self
            .read_query(&sql)
            .bind(room_id)
            .bind(range.from.0)
            .bind(range.to.map_or(to_default, |to| to.0))
            .bind(false)
            .bind(i64::from(range.limit))
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                let group: Option<i64> = row.column("state_group")?;
                Ok(TimelineEvent {
                    event: StoredEvent::from_row(row)?,
                    state_group: group.map(StateGroupId),
                })
            })
            .collect()
    }

    /// The room's last timeline event at or below `position`, with the state after it.
    pub async fn room_event_at(
        &self,
        room_id: &str,
        position: StreamPosition,
    ) -> Result<Option<TimelineEvent>, StorageError> {
        let range = TimelineRange {
            from: position,
            to: None,
            direction: Direction::Backward,
            limit: 1,
        };
        Ok(self.room_timeline(room_id, range).await?.pop())
    }
}
