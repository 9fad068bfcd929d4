//! The `device_lists` stream (client-server API § "Tracking the device list for a user"): each
//! change of a user's device list takes the next position and becomes that user's row in
//! `device_list_changes`; who saw which users change is computed from those rows and the
//! room memberships.

use super::read::Columns;

use super::{Database, StorageError, StreamPosition};

/// A recorded device list change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceListChange {
    /// The new position (the `stream_id` of an `m.device_list_update`).
    pub stream_id: i64,
    /// The user's previous position, if their list changed before (its `prev_id`).
    pub prev_id: Option<i64>,
}

/// The SQL of "the users joined to a room `$1` is joined to" (including `$1`).
const SHARING: &str = "SELECT other.user_id FROM room_memberships mine \
     JOIN room_memberships other ON other.room_id = mine.room_id \
     WHERE mine.user_id = $1 AND mine.membership = 'join' AND other.membership = 'join'";

impl Database {
    /// Records a change of the user's device list at the next `device_lists` position.
    pub async fn record_device_list_change(
        &self,
        user_id: &str,
    ) -> Result<DeviceListChange, StorageError> {
        let mut tx = self.begin_write().await?;
        let stream_id: i64 = tx
            .query(
                "UPDATE streams SET position = position + 1 WHERE stream_name = 'device_lists' \
             RETURNING position",
            )
            .fetch_scalar_one()
            .await?;
        let prev_id: Option<i64> = tx
            .query("SELECT stream_id FROM device_list_changes WHERE user_id = $1")
            .bind(user_id)
            .fetch_scalar()
            .await?;
        tx.query(
            "INSERT INTO device_list_changes (user_id, stream_id) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id",
        )
        .bind(user_id)
        .bind(stream_id)
        .execute()
        .await?;
        tx.commit().await?;
        Ok(DeviceListChange { stream_id, prev_id })
    }

    /// The user's latest device list position (0 if it never changed).
    pub async fn device_list_position(&self, user_id: &str) -> Result<i64, StorageError> {
        let position: Option<i64> = self
            .read_query("SELECT stream_id FROM device_list_changes WHERE user_id = $1")
            .bind(user_id)
            .fetch_scalar()
            .await?;
        Ok(position.unwrap_or_default())
    }

    /// The users sharing a joined room with `user_id`, and `user_id` themself, whose device
    /// list changed after `after` (only the latest change of each user is kept, so a change
    /// after the caller's upper bound also counts: reported once more, never missed).
    pub async fn device_lists_changed_since(
        &self,
        user_id: &str,
        after: StreamPosition,
    ) -> Result<Vec<String>, StorageError> {
        self.read_query(&format!(
            "SELECT user_id FROM device_list_changes WHERE stream_id > $2 \
             AND (user_id = $1 OR user_id IN ({SHARING})) ORDER BY user_id"
        ))
        .bind(user_id)
        .bind(after.0)
        .fetch_column()
        .await
    }

    /// Membership changes after `after` in the rooms of `user_id`, as (room member, whether
    /// now joined): the members of rooms the user is joined to whose member event is newer, and
    /// every member of rooms the user joined or left since.
    pub async fn member_changes_since(
        &self,
        user_id: &str,
        after: StreamPosition,
    ) -> Result<Vec<(String, bool)>, StorageError> {
        let rows = self
            .read_query(
                "SELECT DISTINCT other.user_id, other.membership FROM room_memberships mine \
             JOIN events mine_event ON mine_event.event_id = mine.event_id \
             JOIN room_memberships other ON other.room_id = mine.room_id \
             JOIN events other_event ON other_event.event_id = other.event_id \
             WHERE mine.user_id = $1 AND other.user_id <> $1 \
               AND ((mine.membership = 'join' AND other_event.stream_ordering > $2 \
                   AND other.membership IN ('join', 'leave', 'ban')) \
                 OR (mine.membership IN ('join', 'leave', 'ban') \
                     AND mine_event.stream_ordering > $2 AND other.membership = 'join'))",
            )
            .bind(user_id)
            .bind(after.0)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                let membership: String = row.column("membership")?;
                Ok((row.column("user_id")?, membership == "join"))
            })
            .collect()
    }

    /// The servers of the users sharing a joined room with `user_id` (theirs included),
    /// sorted: where its presence and device list updates go.
    pub async fn servers_sharing_rooms(&self, user_id: &str) -> Result<Vec<String>, StorageError> {
        let server = self.dialect.server_part("other.user_id");
        let mut servers: Vec<String> = self
            .read_query(&format!(
                "SELECT DISTINCT {server} FROM room_memberships mine \
             JOIN room_memberships other ON other.room_id = mine.room_id \
             WHERE mine.user_id = $1 AND mine.membership = 'join' \
               AND other.membership = 'join'"
            ))
            .bind(user_id)
            .fetch_column()
            .await?;
        servers.sort_unstable();
        Ok(servers)
    }
}
