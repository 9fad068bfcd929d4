//! The `events` table: PDUs, each with a position in the `events` stream.
//!
//! Stream positions are allocated by bumping the `streams` row of `events` inside the
//! transaction that inserts the event. The row lock (PostgreSQL) or the single writer (SQLite)
//! serialises persisters, so positions are gap-free and become visible in increasing order: a
//! reader that has seen position `n` has seen every position below it.

use super::read::Columns;
use super::statement::Statement;
use super::write::Tx;

use super::{Database, Dialect, StorageError};

pub(super) const EVENT_COLUMNS: &str =
    "stream_ordering, event_id, room_id, event_type, state_key, sender, \
                             origin_server_ts, depth, json, rejection_reason, outlier";

/// A position in a stream; positions only increase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamPosition(pub i64);

/// An event to persist. `json` is the full PDU as received or built (canonical or not).
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    /// The event id.
    pub event_id: &'a str,
    /// The room id.
    pub room_id: &'a str,
    /// The event type.
    pub event_type: &'a str,
    /// The state key, for state events.
    pub state_key: Option<&'a str>,
    /// The sender.
    pub sender: &'a str,
    /// `origin_server_ts`, milliseconds since the Unix epoch.
    pub origin_server_ts: i64,
    /// The PDU's depth.
    pub depth: i64,
    /// The PDU as JSON text.
    pub json: &'a str,
    /// Why the event was rejected, if it was.
    pub rejection_reason: Option<&'a str>,
    /// Whether the event is an outlier (not part of the room's timeline DAG as we know it).
    pub outlier: bool,
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The event's position in the `events` stream.
    pub stream_position: StreamPosition,
    /// The event id.
    pub event_id: String,
    /// The room id.
    pub room_id: String,
    /// The event type.
    pub event_type: String,
    /// The state key, for state events.
    pub state_key: Option<String>,
    /// The sender.
    pub sender: String,
    /// `origin_server_ts`.
    pub origin_server_ts: i64,
    /// The PDU's depth.
    pub depth: i64,
    /// The PDU as JSON text.
    pub json: String,
    /// Why the event was rejected, if it was.
    pub rejection_reason: Option<String>,
    /// Whether the event is an outlier.
    pub outlier: bool,
}

impl StoredEvent {
    /// The event's `content` (`Null` if the stored JSON has none or does not parse).
    pub fn content(&self) -> serde_json::Value {
        /// The PDU with every field but `content` skipped unparsed (no allocation for them).
        #[derive(serde::Deserialize)]
        struct ContentOnly {
            #[serde(default)]
            content: serde_json::Value,
        }
        serde_json::from_str::<ContentOnly>(&self.json)
            .map_or(serde_json::Value::Null, |pdu| pdu.content)
    }

    pub(super) fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Self::from_row_as(row, ["event_id", "event_type", "state_key"])
    }

    /// [`Self::from_row`] where the event id, type and state key columns have other names (a
    /// statement that also selects a state entry's own).
    pub(super) fn from_row_as(
        row: &impl Columns,
        [event_id, event_type, state_key]: [&str; 3],
    ) -> Result<Self, StorageError> {
        Ok(StoredEvent {
            stream_position: StreamPosition(row.column("stream_ordering")?),
            event_id: row.column(event_id)?,
            room_id: row.column("room_id")?,
            event_type: row.column(event_type)?,
            state_key: row.column(state_key)?,
            sender: row.column("sender")?,
            origin_server_ts: row.column("origin_server_ts")?,
            depth: row.column("depth")?,
            json: row.column("json")?,
            rejection_reason: row.column("rejection_reason")?,
            outlier: row.column::<bool>("outlier")?,
        })
    }
}

impl Database {
    /// Stores an event and returns its stream position. [`StorageError::Conflict`] if the event
    /// id is already stored (nothing is changed then, and no position is used up).
    pub async fn persist_event(
        &self,
        event: &NewEvent<'_>,
    ) -> Result<StreamPosition, StorageError> {
        let mut tx = self.begin_write().await?;
        let position = insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(position)
    }

    /// The event's JSON, if stored.
    pub async fn get_event_json(&self, event_id: &str) -> Result<Option<String>, StorageError> {
        self.read_query("SELECT json FROM events WHERE event_id = $1")
            .bind(event_id)
            .fetch_scalar()
            .await
    }

    /// The event with its metadata, if stored.
    pub async fn get_event(&self, event_id: &str) -> Result<Option<StoredEvent>, StorageError> {
        let row = self
            .read_query(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE event_id = $1"
            ))
            .bind(event_id)
            .fetch_optional()
            .await?;
        row.as_ref().map(StoredEvent::from_row).transpose()
    }

    /// The stored events among `event_ids`, in stream order; unknown ids are left out.
    pub async fn events_by_ids(
        &self,
        event_ids: &[&str],
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let mut events = Vec::with_capacity(event_ids.len());
        for chunk in event_ids.chunks(self.dialect.max_bind_params()) {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE event_id IN ({})",
                Dialect::in_list(1, chunk.len())
            );
            let mut query = self.read_query(&sql);
            for event_id in chunk {
                query = query.bind(*event_id);
            }
            for row in query.fetch_all().await? {
                events.push(StoredEvent::from_row(&row)?);
            }
        }
        events.sort_by_key(|event| event.stream_position);
        events.dedup_by_key(|event| event.stream_position);
        Ok(events)
    }

    /// The highest stream position persisted so far (0 before the first event).
    pub async fn max_stream_position(&self) -> Result<StreamPosition, StorageError> {
        let position: i64 = self
            .read_query("SELECT position FROM streams WHERE stream_name = 'events'")
            .fetch_scalar_one()
            .await?;
        Ok(StreamPosition(position))
    }

    /// The room's timeline events after `after`, oldest first, at most `limit`: outliers and
    /// rejected events are not part of the timeline and are left out.
    pub async fn room_events_after(
        &self,
        room_id: &str,
        after: StreamPosition,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let rows = self
            .read_query(&format!(
                "SELECT {EVENT_COLUMNS} FROM events \
             WHERE room_id = $1 AND stream_ordering > $2 \
               AND outlier = $3 AND rejection_reason IS NULL \
             ORDER BY stream_ordering LIMIT $4"
            ))
            .bind(room_id)
            .bind(after.0)
            .bind(false)
            .bind(i64::from(limit))
            .fetch_all()
            .await?;
        rows.iter().map(StoredEvent::from_row).collect()
    }
}

/// [`Database::persist_event`] inside the caller's transaction.
pub(super) async fn insert_event(
    conn: &mut Tx<'_>,
    event: &NewEvent<'_>,
) -> Result<StreamPosition, StorageError> {
    let position: i64 = conn
        .query(
            "UPDATE streams SET position = position + 1 WHERE stream_name = 'events' \
         RETURNING position",
        )
        .fetch_scalar_one()
        .await?;
    insert_event_at(conn, event, position).await
}

/// Inserts `event` at stream `position` (allocated by the caller).
pub(super) async fn insert_event_at(
    conn: &mut Tx<'_>,
    event: &NewEvent<'_>,
    position: i64,
) -> Result<StreamPosition, StorageError> {
    let sql = format!(
        "INSERT INTO events ({EVENT_COLUMNS}) VALUES {}",
        Dialect::values_rows(1, EVENT_COLUMN_COUNT)
    );
    bind_event(conn.query(&sql), event, position)
        .execute()
        .await?;
    Ok(StreamPosition(position))
}

/// How many columns [`EVENT_COLUMNS`] names.
pub(super) const EVENT_COLUMN_COUNT: usize = 11;

/// Binds the [`EVENT_COLUMNS`] of `event` at stream `position` (one row of an insert).
pub(super) fn bind_event<'q, 't>(
    query: Statement<'q, 't>,
    event: &NewEvent<'_>,
    position: i64,
) -> Statement<'q, 't> {
    query
        .bind(position)
        .bind(event.event_id)
        .bind(event.room_id)
        .bind(event.event_type)
        .bind(event.state_key)
        .bind(event.sender)
        .bind(event.origin_server_ts)
        .bind(event.depth)
        .bind(event.json)
        .bind(event.rejection_reason)
        .bind(event.outlier)
}
