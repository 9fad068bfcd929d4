//! A room's members by server: which users of one server have a membership of a room now
//! (`room_memberships`, the mirror of the current member events). Federation reads ask it to
//! decide whether the requesting server is in the room.

use super::rooms::Membership;
use super::{Database, StorageError};

impl Database {
    /// The current memberships (any kind: join, invite, leave, ban, knock) of `server`'s users
    /// in the room, sorted by user id.
    pub async fn server_memberships(
        &self,
        room_id: &str,
        server: &str,
    ) -> Result<Vec<Membership>, StorageError> {
        let suffix = format!(":{server}");
        // A suffix match narrows the rows in SQL (no LIKE: server names may hold `_`); the
        // exact server part is compared below, as a user id's server part follows its first
        // colon.
        let rows = self
            .read_query(
                "SELECT user_id, membership, event_id FROM room_memberships \
             WHERE room_id = $1 AND length(user_id) > length($2) \
               AND substr(user_id, length(user_id) - length($2) + 1) = $2 \
             ORDER BY user_id",
            )
            .bind(room_id)
            .bind(&suffix)
            .fetch_all()
            .await?;
        let mut memberships = Vec::with_capacity(rows.len());
        for row in &rows {
            let membership = Membership::from_row(row)?;
            if state_res::ids::server_name_of(&membership.user_id) == Some(server) {
                memberships.push(membership);
            }
        }
        Ok(memberships)
    }
}
