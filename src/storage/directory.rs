//! Room aliases (`room_aliases`) and the rooms published in the room directory
//! (`published_rooms`).

use super::read::Columns;

use super::{Database, StorageError};

/// A local room alias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomAlias {
    /// The alias, `#localpart:server`.
    pub room_alias: String,
    /// The room it points to.
    pub room_id: String,
    /// The user who created it.
    pub creator: String,
}

impl Database {
    /// Creates an alias. [`StorageError::Conflict`] if it exists.
    pub async fn create_room_alias(
        &self,
        room_alias: &str,
        room_id: &str,
        creator: &str,
        created_ts: i64,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO room_aliases (room_alias, room_id, creator, created_ts) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(room_alias)
        .bind(room_id)
        .bind(creator)
        .bind(created_ts)
        .execute()
        .await?;
        Ok(())
    }

    /// The alias, if it exists.
    pub async fn get_room_alias(
        &self,
        room_alias: &str,
    ) -> Result<Option<RoomAlias>, StorageError> {
        let row = self
            .read_query(
                "SELECT room_alias, room_id, creator FROM room_aliases WHERE room_alias = $1",
            )
            .bind(room_alias)
            .fetch_optional()
            .await?;
        row.map(|row| {
            Ok(RoomAlias {
                room_alias: row.column("room_alias")?,
                room_id: row.column("room_id")?,
                creator: row.column("creator")?,
            })
        })
        .transpose()
    }

    /// Deletes an alias; whether it existed.
    pub async fn delete_room_alias(&self, room_alias: &str) -> Result<bool, StorageError> {
        let result = self
            .write_query("DELETE FROM room_aliases WHERE room_alias = $1")
            .bind(room_alias)
            .execute()
            .await?;
        Ok(result > 0)
    }

    /// The local aliases of a room, sorted.
    pub async fn room_aliases(&self, room_id: &str) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT room_alias FROM room_aliases WHERE room_id = $1 ORDER BY room_alias",
        )
        .bind(room_id)
        .fetch_column()
        .await
    }

    /// Points every alias of `from` at `to` (a room upgrade); the aliases moved.
    pub async fn move_room_aliases(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<String>, StorageError> {
        let aliases = self.room_aliases(from).await?;
        self.write_query("UPDATE room_aliases SET room_id = $1 WHERE room_id = $2")
            .bind(to)
            .bind(from)
            .execute()
            .await?;
        Ok(aliases)
    }

    /// Publishes the room in the directory (`public`) or withdraws it (`private`).
    pub async fn set_room_published(
        &self,
        room_id: &str,
        published: bool,
        now: i64,
    ) -> Result<(), StorageError> {
        if published {
            self.write_query(
                "INSERT INTO published_rooms (room_id, published_ts) VALUES ($1, $2) \
                 ON CONFLICT (room_id) DO NOTHING",
            )
            .bind(room_id)
            .bind(now)
            .execute()
            .await?;
        } else {
            self.write_query("DELETE FROM published_rooms WHERE room_id = $1")
                .bind(room_id)
                .execute()
                .await?;
        }
        Ok(())
    }

    /// Whether the room is published in the directory.
    pub async fn is_room_published(&self, room_id: &str) -> Result<bool, StorageError> {
        let row: Option<String> = self
            .read_query("SELECT room_id FROM published_rooms WHERE room_id = $1")
            .bind(room_id)
            .fetch_scalar()
            .await?;
        Ok(row.is_some())
    }

    /// The published rooms with their joined member counts, most members first, then by room
    /// id (Synapse's order).
    pub async fn published_rooms(&self) -> Result<Vec<(String, i64)>, StorageError> {
        let rows = self
            .read_query(
                "SELECT p.room_id AS room_id, \
               (SELECT COUNT(*) FROM room_memberships m \
                WHERE m.room_id = p.room_id AND m.membership = 'join') AS joined \
             FROM published_rooms p ORDER BY joined DESC, p.room_id",
            )
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| Ok((row.column("room_id")?, row.column("joined")?)))
            .collect()
    }
}
