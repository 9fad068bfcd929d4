//! Forgotten rooms (`POST /rooms/{roomId}/forget`): a user forgets the membership event
//! (leave or ban) that is current when they ask. A room counts as forgotten while that event
//! is still the user's current membership: any later membership event (a new invite or join)
//! replaces it in `room_memberships` and so un-forgets the room, as in Synapse.

use super::{Database, StorageError};

impl Database {
    /// Records that `user_id` forgot the room at their membership event `event_id`.
    pub async fn forget_room(
        &self,
        user_id: &str,
        room_id: &str,
        event_id: &str,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO room_forgotten (user_id, room_id, event_id) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, room_id) DO UPDATE SET event_id = excluded.event_id",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(event_id)
        .execute()
        .await?;
        Ok(())
    }

    /// Whether `user_id` forgot the room (and has not rejoined or been invited since).
    pub async fn is_room_forgotten(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<bool, StorageError> {
        let found: Option<String> = self
            .read_query(
                "SELECT f.room_id FROM room_forgotten f JOIN room_memberships m \
             ON m.room_id = f.room_id AND m.user_id = f.user_id AND m.event_id = f.event_id \
             WHERE f.user_id = $1 AND f.room_id = $2",
            )
            .bind(user_id)
            .bind(room_id)
            .fetch_scalar()
            .await?;
        Ok(found.is_some())
    }

    /// The rooms `user_id` forgot (and has not rejoined or been invited to since), sorted: the
    /// rooms `/sync` leaves out of `rooms.leave`.
    pub async fn forgotten_rooms(&self, user_id: &str) -> Result<Vec<String>, StorageError> {
        self.read_query(
            "SELECT f.room_id FROM room_forgotten f JOIN room_memberships m \
             ON m.room_id = f.room_id AND m.user_id = f.user_id AND m.event_id = f.event_id \
             WHERE f.user_id = $1 ORDER BY f.room_id",
        )
        .bind(user_id)
        .fetch_column()
        .await
    }
}
