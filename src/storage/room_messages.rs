//! Group commit of local message events: a run of non-state events the room engine built one
//! on another on the room's tip (concurrent sends to one room, see `services/rooms/send_batch`),
//! stored in one transaction with multi-row inserts. Each event gets what `room_events` gives a
//! single one (its stream position, the state after it — the state before it, unchanged by a
//! message —, its client transaction id, the event it redacts); the room's forward extremities
//! move once, from the first event's `prev_events` to the last event, since each event of the run
//! cites the one before it. The current state does not change: a message leaves it as it was.

use super::write::Tx;

use super::events::{bind_event, EVENT_COLUMNS, EVENT_COLUMN_COUNT};
use super::room_events::{advance_extremities, insert_links};
use super::{Database, Dialect, NewEvent, RoomEventWrite, StorageError, StreamPosition};

impl Database {
    /// Stores `writes` (message events of one room, each citing the one before it, with the
    /// state before them stored) in one transaction; their stream positions, in order.
    /// [`StorageError::Conflict`] if an event or a transaction id is already stored (nothing is
    /// written); [`StorageError::Invalid`] for a state event or one without a state before it.
    pub async fn persist_room_messages(
        &self,
        writes: &[RoomEventWrite<'_>],
    ) -> Result<Vec<StreamPosition>, StorageError> {
        let (Some(first), Some(last)) = (writes.first(), writes.last()) else {
            return Ok(Vec::new());
        };
        let mut groups = Vec::with_capacity(writes.len());
        for write in writes {
            match (write.event.state_key, write.state_before, &write.new_room) {
                (None, Some(group), None) => groups.push(group.0),
                _ => {
                    return Err(StorageError::Invalid(format!(
                        "event {} is not a message event on a stored state",
                        write.event.event_id
                    )))
                }
            }
        }
        let mut tx = self.begin_write().await?;
        let count = i64::try_from(writes.len()).unwrap_or(i64::MAX);
        let end: i64 = tx
            .query(
                "UPDATE streams SET position = position + $1 WHERE stream_name = 'events' \
             RETURNING position",
            )
            .bind(count)
            .fetch_scalar_one()
            .await?;
        let positions: Vec<i64> = (end - count + 1..=end).collect();
        insert_event_rows(&mut tx, self.dialect, writes, &positions).await?;
        insert_state_after_rows(&mut tx, self.dialect, writes, &groups).await?;
        insert_transaction_rows(&mut tx, self.dialect, writes).await?;
        for write in writes {
            insert_links(&mut tx, &write.event, write.redacts, None).await?;
        }
        move_extremity(&mut tx, first, last.event.event_id).await?;
        tx.commit().await?;
        Ok(positions.into_iter().map(StreamPosition).collect())
    }
}

/// The `events` rows, as many per statement as the bind-parameter limit allows.
async fn insert_event_rows(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    writes: &[RoomEventWrite<'_>],
    positions: &[i64],
) -> Result<(), StorageError> {
    let rows = dialect.max_bind_params() / EVENT_COLUMN_COUNT;
    for (chunk, positions) in writes.chunks(rows).zip(positions.chunks(rows)) {
        let sql = format!(
            "INSERT INTO events ({EVENT_COLUMNS}) VALUES {}",
            Dialect::values_rows(chunk.len(), EVENT_COLUMN_COUNT)
        );
        let mut query = conn.query(&sql);
        for (write, position) in chunk.iter().zip(positions) {
            query = bind_event(query, &write.event, *position);
        }
        query.execute().await?;
    }
    Ok(())
}

/// The `event_state_groups` rows (the state after each message: the state before it).
async fn insert_state_after_rows(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    writes: &[RoomEventWrite<'_>],
    groups: &[i64],
) -> Result<(), StorageError> {
    let rows = dialect.max_bind_params() / 2;
    for (chunk, groups) in writes.chunks(rows).zip(groups.chunks(rows)) {
        let sql = format!(
            "INSERT INTO event_state_groups (event_id, state_group) VALUES {}",
            Dialect::values_rows(chunk.len(), 2)
        );
        let mut query = conn.query(&sql);
        for (write, group) in chunk.iter().zip(groups) {
            query = query.bind(write.event.event_id).bind(*group);
        }
        query.execute().await?;
    }
    Ok(())
}

/// The `event_transactions` rows of the events sent with a client transaction id.
async fn insert_transaction_rows(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    writes: &[RoomEventWrite<'_>],
) -> Result<(), StorageError> {
    const COLUMNS: usize = 6;
    let sent: Vec<_> = writes
        .iter()
        .filter_map(|write| Some((write.transaction.as_ref()?, write.event.event_id)))
        .collect();
    for chunk in sent.chunks(dialect.max_bind_params() / COLUMNS) {
        let sql = format!(
            "INSERT INTO event_transactions \
             (user_id, device_id, request_path, txn_id, event_id, created_ts) VALUES {}",
            Dialect::values_rows(chunk.len(), COLUMNS)
        );
        let mut query = conn.query(&sql);
        for (txn, event_id) in chunk {
            query = query
                .bind(txn.user_id)
                .bind(txn.device_id)
                .bind(txn.request_path)
                .bind(txn.txn_id)
                .bind(*event_id)
                .bind(txn.created_ts);
        }
        query.execute().await?;
    }
    Ok(())
}

/// The room's forward extremities lose the run's first `prev_events` and gain its last event:
/// one update when the run extends the room's only extremity (the usual case).
async fn move_extremity(
    conn: &mut Tx<'_>,
    first: &RoomEventWrite<'_>,
    last_event_id: &str,
) -> Result<(), StorageError> {
    if let [prev] = first.prev_events {
        let moved = conn
            .query(
                "UPDATE room_forward_extremities SET event_id = $1 \
             WHERE room_id = $2 AND event_id = $3",
            )
            .bind(last_event_id)
            .bind(first.event.room_id)
            .bind(prev)
            .execute()
            .await?;
        if moved == 1 {
            return Ok(());
        }
    }
    let through = NewEvent {
        event_id: last_event_id,
        ..first.event.clone()
    };
    advance_extremities(conn, &through, first.prev_events).await
}
