//! Rooms, their forward extremities and current memberships, and client transaction ids: the
//! read side of what [`Database::persist_room_event`] writes.

use super::read::Columns;

use super::{Database, StateGroupId, StorageError};

/// A room this server knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    /// The room id.
    pub room_id: String,
    /// The room version identifier.
    pub room_version: String,
    /// The create event's sender.
    pub creator: String,
    /// When the room was created or first seen (ms since the epoch).
    pub created_ts: i64,
}

/// A user's current membership of a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The user.
    pub user_id: String,
    /// `join`, `invite`, `leave`, `ban` or `knock`.
    pub membership: String,
    /// The member event in the room's current state.
    pub event_id: String,
}

/// The client transaction an event was sent with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventTransaction {
    /// The sender.
    pub user_id: String,
    /// The sending device (`""` for a token without one).
    pub device_id: String,
    /// The client's transaction id.
    pub txn_id: String,
}

impl Membership {
    pub(super) fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Ok(Membership {
            user_id: row.column("user_id")?,
            membership: row.column("membership")?,
            event_id: row.column("event_id")?,
        })
    }
}

impl Database {
    /// The room, if this server knows it.
    pub async fn get_room(&self, room_id: &str) -> Result<Option<Room>, StorageError> {
        let row = self
            .read_query(
                "SELECT room_id, room_version, creator, created_ts FROM rooms WHERE room_id = $1",
            )
            .bind(room_id)
            .fetch_optional()
            .await?;
        row.map(|row| {
            Ok(Room {
                room_id: row.column("room_id")?,
                room_version: row.column("room_version")?,
                creator: row.column("creator")?,
                created_ts: row.column("created_ts")?,
            })
        })
        .transpose()
    }

    /// The room's forward extremities (events without children), sorted.
    pub async fn forward_extremities(&self, room_id: &str) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT event_id FROM room_forward_extremities WHERE room_id = $1 ORDER BY event_id",
        )
        .bind(room_id)
        .fetch_column()
        .await
    }

    /// The room's current state group and forward extremities in one read: what a cached
    /// room tip is checked against.
    pub async fn room_tip_ids(
        &self,
        room_id: &str,
    ) -> Result<(Option<StateGroupId>, Vec<String>), StorageError> {
        let rows = self
            .read_query(
                "SELECT c.state_group, e.event_id FROM room_current_state c \
             LEFT JOIN room_forward_extremities e ON e.room_id = c.room_id \
             WHERE c.room_id = $1",
            )
            .bind(room_id)
            .fetch_all()
            .await?;
        let mut group = None;
        let mut extremities = Vec::with_capacity(rows.len());
        for row in &rows {
            group = Some(StateGroupId(row.column("state_group")?));
            if let Some(event_id) = row.column::<Option<String>>("event_id")? {
                extremities.push(event_id);
            }
        }
        Ok((group, extremities))
    }

    /// The user's current membership of the room, if they have a member event in its state.
    pub async fn membership(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<Option<Membership>, StorageError> {
        let row = self
            .read_query(
                "SELECT user_id, membership, event_id FROM room_memberships \
             WHERE room_id = $1 AND user_id = $2",
            )
            .bind(room_id)
            .bind(user_id)
            .fetch_optional()
            .await?;
        row.as_ref().map(Membership::from_row).transpose()
    }

    /// Whether the user is joined to the room now.
    pub async fn is_joined(&self, room_id: &str, user_id: &str) -> Result<bool, StorageError> {
        let membership = self.membership(room_id, user_id).await?;
        Ok(membership.is_some_and(|m| m.membership == "join"))
    }

    /// The rooms where the user's current membership is `membership`, sorted.
    pub async fn rooms_with_membership(
        &self,
        user_id: &str,
        membership: &str,
    ) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT room_id FROM room_memberships WHERE user_id = $1 AND membership = $2 \
             ORDER BY room_id",
        )
        .bind(user_id)
        .bind(membership)
        .fetch_column()
        .await
    }

    /// The servers of the room's joined members, sorted (the destinations of its events).
    pub async fn joined_servers(&self, room_id: &str) -> Result<Vec<String>, StorageError> {
        let server = self.dialect.server_part("user_id");
        let mut servers: Vec<String> = self
            .read_query(&format!(
                "SELECT DISTINCT {server} FROM room_memberships \
             WHERE room_id = $1 AND membership = 'join'"
            ))
            .bind(room_id)
            .fetch_column()
            .await?;
        // Sorted here: PostgreSQL's collation may order text differently.
        servers.sort_unstable();
        Ok(servers)
    }

    /// The room's members whose current membership is `membership`, sorted by user id.
    pub async fn members_with_membership(
        &self,
        room_id: &str,
        membership: &str,
    ) -> Result<Vec<Membership>, StorageError> {
        let rows = self
            .read_query(
                "SELECT user_id, membership, event_id FROM room_memberships \
             WHERE room_id = $1 AND membership = $2 ORDER BY user_id",
            )
            .bind(room_id)
            .bind(membership)
            .fetch_all()
            .await?;
        rows.iter().map(Membership::from_row).collect()
    }

    /// The event a client transaction created, if it was seen before.
    pub async fn transaction_event(
        &self,
        user_id: &str,
        device_id: &str,
        request_path: &str,
        txn_id: &str,
    ) -> Result<Option<String>, StorageError> {
        self.read_query(
            "SELECT event_id FROM event_transactions WHERE user_id = $1 AND device_id = $2 \
             AND request_path = $3 AND txn_id = $4",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(request_path)
        .bind(txn_id)
        .fetch_scalar()
        .await
    }

    /// The client transaction an event was sent with, if any.
    pub async fn event_transaction(
        &self,
        event_id: &str,
    ) -> Result<Option<EventTransaction>, StorageError> {
        let row = self
            .read_query(
                "SELECT user_id, device_id, txn_id FROM event_transactions WHERE event_id = $1",
            )
            .bind(event_id)
            .fetch_optional()
            .await?;
        row.map(|row| {
            Ok(EventTransaction {
                user_id: row.column("user_id")?,
                device_id: row.column("device_id")?,
                txn_id: row.column("txn_id")?,
            })
        })
        .transpose()
    }
}
