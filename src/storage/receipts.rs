//! Read receipts (client-server API § "Receipts") on the `receipts` stream, and the events
//! unread counts are computed from (a range of the `(room_id, stream_ordering)` index after the
//! user's read receipt).

use super::read::Columns;

use super::{Database, Dialect, StorageError, StreamPosition};

/// A receipt to store.
#[derive(Clone, Debug)]
pub struct NewReceipt<'a> {
    /// The room.
    pub room_id: &'a str,
    /// `m.read` or `m.read.private`.
    pub receipt_type: &'a str,
    /// Whose receipt it is.
    pub user_id: &'a str,
    /// `None`: an unthreaded receipt; `main` or a thread root's event id otherwise.
    pub thread_id: Option<&'a str>,
    /// The receipted event.
    pub event_id: &'a str,
    /// The receipted event's position in the `events` stream.
    pub event_position: StreamPosition,
    /// When the receipt was sent, ms since the Unix epoch.
    pub ts: i64,
}

/// A stored receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// `m.read` or `m.read.private`.
    pub receipt_type: String,
    /// Whose receipt it is.
    pub user_id: String,
    /// The thread, if the receipt is threaded.
    pub thread_id: Option<String>,
    /// The receipted event.
    pub event_id: String,
    /// When it was sent.
    pub ts: i64,
}

/// An event that may count as unread: its position, type and JSON.
#[derive(Clone, Debug)]
pub struct UnreadCandidate {
    /// The event's position in the `events` stream.
    pub stream_position: StreamPosition,
    /// The event type.
    pub event_type: String,
    /// The PDU as JSON text.
    pub json: String,
}

impl Database {
    /// Stores a receipt at the next `receipts` position, unless the user already has one of
    /// this type and thread on a later event (receipts only move forward): then `None`.
    pub async fn put_receipt(
        &self,
        receipt: &NewReceipt<'_>,
    ) -> Result<Option<StreamPosition>, StorageError> {
        let thread = receipt.thread_id.unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> = tx
            .query(
                "SELECT event_stream_ordering FROM receipts WHERE room_id = $1 \
             AND receipt_type = $2 AND user_id = $3 AND thread_id = $4",
            )
            .bind(receipt.room_id)
            .bind(receipt.receipt_type)
            .bind(receipt.user_id)
            .bind(thread)
            .fetch_scalar()
            .await?;
        if existing.is_some_and(|existing| existing >= receipt.event_position.0) {
            return Ok(None);
        }
        let position: i64 = tx
            .query(
                "UPDATE streams SET position = position + 1 WHERE stream_name = 'receipts' \
             RETURNING position",
            )
            .fetch_scalar_one()
            .await?;
        tx.query(
            "INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, \
               event_stream_ordering, ts, stream_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (room_id, receipt_type, user_id, thread_id) DO UPDATE SET \
               event_id = excluded.event_id, event_stream_ordering = excluded.event_stream_ordering, \
               ts = excluded.ts, stream_id = excluded.stream_id",
        )
        .bind(receipt.room_id)
        .bind(receipt.receipt_type)
        .bind(receipt.user_id)
        .bind(thread)
        .bind(receipt.event_id)
        .bind(receipt.event_position.0)
        .bind(receipt.ts)
        .bind(position)
        .execute()
        .await?;
        tx.commit().await?;
        Ok(Some(StreamPosition(position)))
    }

    /// The rooms with a receipt change after `after` and up to `upto`.
    pub async fn rooms_with_receipts_between(
        &self,
        after: StreamPosition,
        upto: StreamPosition,
    ) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT DISTINCT room_id FROM receipts WHERE stream_id > $1 AND stream_id <= $2",
        )
        .bind(after.0)
        .bind(upto.0)
        .fetch_column()
        .await
    }

    /// The rooms `user_id` is joined to that hold any receipt up to `upto` (an initial
    /// `/sync` reads the receipts of these only).
    pub async fn joined_rooms_with_receipts(
        &self,
        user_id: &str,
        upto: StreamPosition,
    ) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT m.room_id FROM room_memberships m \
             WHERE m.user_id = $1 AND m.membership = 'join' AND EXISTS \
               (SELECT 1 FROM receipts r WHERE r.room_id = m.room_id AND r.stream_id <= $2)",
        )
        .bind(user_id)
        .bind(upto.0)
        .fetch_column()
        .await
    }

    /// The room's receipts changed after `after` and up to `upto`.
    pub async fn room_receipts_between(
        &self,
        room_id: &str,
        after: StreamPosition,
        upto: StreamPosition,
    ) -> Result<Vec<Receipt>, StorageError> {
        let rows = self
            .read_query(
                "SELECT receipt_type, user_id, thread_id, event_id, ts FROM receipts \
             WHERE room_id = $1 AND stream_id > $2 AND stream_id <= $3 ORDER BY stream_id",
            )
            .bind(room_id)
            .bind(after.0)
            .bind(upto.0)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                let thread_id: String = row.column("thread_id")?;
                Ok(Receipt {
                    receipt_type: row.column("receipt_type")?,
                    user_id: row.column("user_id")?,
                    thread_id: (!thread_id.is_empty()).then_some(thread_id),
                    event_id: row.column("event_id")?,
                    ts: row.column("ts")?,
                })
            })
            .collect()
    }

    /// The positions of the latest events the user has read in the room, by thread (`''` for
    /// unthreaded receipts): the latest of their `m.read` and `m.read.private` receipts.
    pub async fn read_positions(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<Vec<(String, StreamPosition)>, StorageError> {
        let rows = self.read_positions_in(user_id, &[room_id]).await?;
        Ok(rows
            .into_iter()
            .map(|(_, thread_id, position)| (thread_id, position))
            .collect())
    }

    /// [`Self::read_positions`] of `user_id` in each of `room_ids` at once, as (room id, thread
    /// id, position) rows (an initial `/sync` reads them for all of a user's rooms).
    pub async fn read_positions_in(
        &self,
        user_id: &str,
        room_ids: &[&str],
    ) -> Result<Vec<(String, String, StreamPosition)>, StorageError> {
        let mut found = Vec::new();
        for chunk in room_ids.chunks(self.dialect.max_bind_params() - 1) {
            let sql = format!(
                "SELECT room_id, thread_id, MAX(event_stream_ordering) AS position FROM receipts \
                 WHERE user_id = $1 AND receipt_type IN ('m.read', 'm.read.private') \
                   AND room_id IN ({}) GROUP BY room_id, thread_id",
                Dialect::in_list(2, chunk.len())
            );
            let mut query = self.read_query(&sql).bind(user_id);
            for room_id in chunk {
                query = query.bind(*room_id);
            }
            for row in query.fetch_all().await? {
                found.push((
                    row.column("room_id")?,
                    row.column("thread_id")?,
                    StreamPosition(row.column("position")?),
                ));
            }
        }
        Ok(found)
    }

    /// The room's messages (`m.room.message`, `m.room.encrypted`) after `after` and up to
    /// `upto` that others sent: what may notify the user; the newest `limit`, newest first.
    pub async fn unread_candidates(
        &self,
        room_id: &str,
        user_id: &str,
        after: StreamPosition,
        upto: StreamPosition,
        limit: u32,
    ) -> Result<Vec<UnreadCandidate>, StorageError> {
        let rows = self
            .read_query(
                "SELECT stream_ordering, event_type, json FROM events \
             WHERE room_id = $1 AND stream_ordering > $2 AND stream_ordering <= $3 \
               AND event_type IN ('m.room.message', 'm.room.encrypted') AND sender <> $4 \
               AND outlier = $5 AND rejection_reason IS NULL \
             ORDER BY stream_ordering DESC LIMIT $6",
            )
            .bind(room_id)
            .bind(after.0)
            .bind(upto.0)
            .bind(user_id)
            .bind(false)
            .bind(i64::from(limit))
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok(UnreadCandidate {
                    stream_position: StreamPosition(row.column("stream_ordering")?),
                    event_type: row.column("event_type")?,
                    json: row.column("json")?,
                })
            })
            .collect()
    }

    /// The users who share a joined room with `user_id` (including them, if joined anywhere).
    pub async fn users_sharing_rooms(&self, user_id: &str) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT DISTINCT other.user_id FROM room_memberships mine \
             JOIN room_memberships other ON other.room_id = mine.room_id \
             WHERE mine.user_id = $1 AND mine.membership = 'join' \
               AND other.membership = 'join'",
        )
        .bind(user_id)
        .fetch_column()
        .await
    }
}
