//! Memberships in rooms this server is not in: invites from other servers, and this server's
//! users' knocks and rejections sent through another server — the member event (an outlier),
//! the user's membership, and the stripped state the other server sent (invite and knock
//! state).

use super::{Database, NewEvent, StorageError};

impl Database {
    /// Stores `user_id`'s `membership` in a room this server is not in: the event as an
    /// outlier (unless stored), the membership, and `stripped_state` (a JSON array), if any.
    /// One transaction.
    pub async fn store_remote_membership(
        &self,
        event: &NewEvent<'_>,
        user_id: &str,
        membership: &str,
        stripped_state: Option<&str>,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let known: Option<String> = tx
            .query("SELECT event_id FROM events WHERE event_id = $1")
            .bind(event.event_id)
            .fetch_scalar()
            .await?;
        if known.is_none() {
            let outlier = NewEvent {
                outlier: true,
                ..event.clone()
            };
            super::events::insert_event(&mut tx, &outlier).await?;
        }
        super::room_events::upsert_membership(&mut tx, event, user_id, membership).await?;
        if let Some(stripped_state) = stripped_state {
            tx.query(
                "INSERT INTO invite_states (event_id, room_id, stripped_state) \
                 VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(event.event_id)
            .bind(event.room_id)
            .bind(stripped_state)
            .execute()
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stripped state a remote invite came with (a JSON array), if any.
    pub async fn invite_state(&self, event_id: &str) -> Result<Option<String>, StorageError> {
        self.read_query("SELECT stripped_state FROM invite_states WHERE event_id = $1")
            .bind(event_id)
            .fetch_scalar()
            .await
    }
}
