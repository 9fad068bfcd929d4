//! Spec module "Room creation": `POST /createRoom`.

pub mod create_room;

use std::future::Future;

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the room creation handler needs from the engine.
pub trait RoomCreationPort: Send + Sync + 'static {
    /// Creates a room as the spec orders it and returns its id. Invalid initial state (an event
    /// the auth rules reject) is 400 `M_INVALID_ROOM_STATE`; an unknown room version 400
    /// `M_UNSUPPORTED_ROOM_VERSION`.
    fn create_room(
        &self,
        user: &ClientUser,
        request: create_room::Request,
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;
}
