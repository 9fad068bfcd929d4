//! `POST /createRoom`: the planned events (see `presets`) appended one by one as the creator.
//! An event the auth rules reject is the client's doing here (its initial state or power level
//! override), so it is 400 `M_INVALID_ROOM_STATE`; the events before it stay in the room.

use client_api::room_creation::create_room::Request;
use client_api::{ClientUser, MatrixError};
use state_res::room_version::RoomVersion;
use tracing::instrument;

use super::builder::{new_room_id, EventTemplate};
use super::errors::{invalid_room_state, AppendError};
use super::head::RoomHead;
use super::presets::plan;
use super::Rooms;

impl Rooms {
    /// Creates a room and returns its id.
    #[instrument(skip_all, fields(user = %user.user_id))]
    pub async fn create_room(
        &self,
        user: &ClientUser,
        request: Request,
    ) -> Result<String, MatrixError> {
        let version = match &request.room_version {
            None => self.default_version,
            Some(id) => RoomVersion::from_id(id).ok_or_else(|| {
                MatrixError::bad_request(
                    "M_UNSUPPORTED_ROOM_VERSION",
                    format!("This server does not support room version {id}"),
                )
            })?,
        };
        let plan = plan(&request, &user.user_id, &version)?;
        for invitee in &plan.invitees {
            self.check_invitee(invitee).await?;
        }
        let room_id = (!version.room_id_is_create_hash).then(|| new_room_id(&self.server_name));
        let mut head = RoomHead::new_room(room_id, version);
        let create = EventTemplate::state("m.room.create", "", plan.create_content);
        let create = self
            .append(&mut head, &user.user_id, create, None)
            .await
            .map_err(creation_error)?;
        let room_id = create.room_id().to_owned();
        // Nobody knows the room yet; the lock keeps it that way for requests that guess.
        let _lock = self.locks.lock(&room_id).await;
        for template in plan.events {
            self.append(&mut head, &user.user_id, template, None)
                .await
                .map_err(creation_error)?;
        }
        tracing::info!(%room_id, version = version.id, "created room");
        Ok(room_id)
    }
}

fn creation_error(error: AppendError) -> MatrixError {
    match error {
        AppendError::Forbidden(error) => invalid_room_state(&error),
        AppendError::Client(error) => error,
    }
}
