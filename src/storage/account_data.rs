//! Account data (client-server API § "Client config"): per user, global (`room_id` `''`) or
//! per room, each change at a new position of the `account_data` stream so `/sync` finds
//! changes by position range. Filters (`user_filters`) live here too: small per-user JSON.

use super::read::Columns;

use super::{Database, StorageError, StreamPosition};

/// One account data entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDataEntry {
    /// The room, or `None` for global account data.
    pub room_id: Option<String>,
    /// The type, e.g. `m.tag`.
    pub data_type: String,
    /// The content as JSON text.
    pub content: String,
    /// The position of its last change in the `account_data` stream.
    pub stream_position: StreamPosition,
}

impl Database {
    /// Sets (replaces) an account data entry and returns its new stream position.
    pub async fn put_account_data(
        &self,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
        content: &str,
    ) -> Result<StreamPosition, StorageError> {
        let mut tx = self.begin_write().await?;
        let position: i64 = tx
            .query(
                "UPDATE streams SET position = position + 1 WHERE stream_name = 'account_data' \
             RETURNING position",
            )
            .fetch_scalar_one()
            .await?;
        tx.query(
            "INSERT INTO account_data (user_id, room_id, data_type, content, stream_id) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, room_id, data_type) \
             DO UPDATE SET content = excluded.content, stream_id = excluded.stream_id",
        )
        .bind(user_id)
        .bind(room_id.unwrap_or_default())
        .bind(data_type)
        .bind(content)
        .bind(position)
        .execute()
        .await?;
        tx.commit().await?;
        Ok(StreamPosition(position))
    }

    /// An account data entry's content, if set.
    pub async fn get_account_data(
        &self,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
    ) -> Result<Option<String>, StorageError> {
        self.read_query(
            "SELECT content FROM account_data \
             WHERE user_id = $1 AND room_id = $2 AND data_type = $3",
        )
        .bind(user_id)
        .bind(room_id.unwrap_or_default())
        .bind(data_type)
        .fetch_scalar()
        .await
    }

    /// The user's account data changed after `after` and up to `upto`, in stream order.
    pub async fn account_data_changes(
        &self,
        user_id: &str,
        after: StreamPosition,
        upto: StreamPosition,
    ) -> Result<Vec<AccountDataEntry>, StorageError> {
        let rows = self
            .read_query(
                "SELECT room_id, data_type, content, stream_id FROM account_data \
             WHERE user_id = $1 AND stream_id > $2 AND stream_id <= $3 ORDER BY stream_id",
            )
            .bind(user_id)
            .bind(after.0)
            .bind(upto.0)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                let room_id: String = row.column("room_id")?;
                Ok(AccountDataEntry {
                    room_id: (!room_id.is_empty()).then_some(room_id),
                    data_type: row.column("data_type")?,
                    content: row.column("content")?,
                    stream_position: StreamPosition(row.column("stream_id")?),
                })
            })
            .collect()
    }

    /// Stores a filter for the user and returns its id (the user's next number from 0).
    pub async fn insert_filter(&self, user_id: &str, json: &str) -> Result<i64, StorageError> {
        // SQLite serialises writers; on PostgreSQL two concurrent inserts can pick the same
        // number: the loser retries.
        let mut attempts = 0;
        loop {
            let result = self
                .write_query(
                    "INSERT INTO user_filters (user_id, filter_id, filter_json) \
                 SELECT $1, COALESCE(MAX(filter_id) + 1, 0), $2 FROM user_filters \
                 WHERE user_id = $1 RETURNING filter_id",
                )
                .bind(user_id)
                .bind(json)
                .fetch_scalar_one()
                .await;
            match result {
                Err(StorageError::Conflict(_)) if attempts < 5 => attempts += 1,
                other => return other,
            }
        }
    }

    /// A stored filter's JSON, if the user has one with this id.
    pub async fn get_filter(
        &self,
        user_id: &str,
        filter_id: i64,
    ) -> Result<Option<String>, StorageError> {
        self.read_query(
            "SELECT filter_json FROM user_filters WHERE user_id = $1 AND filter_id = $2",
        )
        .bind(user_id)
        .bind(filter_id)
        .fetch_scalar()
        .await
    }
}
