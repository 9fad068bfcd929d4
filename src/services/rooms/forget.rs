//! `POST /rooms/{roomId}/forget`: a user who left (or was banned from) a room forgets it. As
//! in Synapse, a user who is joined or invited gets 400 `M_UNKNOWN`, and forgetting a room
//! one never was in changes nothing. A forgotten room reads as one the user was never in
//! (`/messages`, `/context`, `/members` answer 403 unless it is `world_readable`) until a new
//! membership event (an invite, a join) un-forgets it; `/sync` can list forgotten rooms with
//! `Database::forgotten_rooms`.

use client_api::{ClientUser, MatrixError};
use tracing::instrument;

use super::{valid_room_id, Rooms};
use crate::services::internal;

impl Rooms {
    /// `POST /rooms/{roomId}/forget`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id))]
    pub async fn forget_room(&self, user: &ClientUser, room_id: &str) -> Result<(), MatrixError> {
        valid_room_id(room_id)?;
        let membership = self
            .database
            .membership(room_id, &user.user_id)
            .await
            .map_err(internal)?;
        let Some(membership) = membership else {
            return Ok(());
        };
        if membership.membership != "leave" && membership.membership != "ban" {
            return Err(MatrixError::bad_request(
                "M_UNKNOWN",
                format!("User {} is in room {room_id}", user.user_id),
            ));
        }
        self.database
            .forget_room(&user.user_id, room_id, &membership.event_id)
            .await
            .map_err(internal)
    }
}
