//! Spec module "Room upgrades": `POST /rooms/{roomId}/upgrade`.

pub mod upgrade_room;

use std::future::Future;

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the room upgrade handler needs from the engine.
pub trait RoomUpgradePort: Send + Sync + 'static {
    /// Replaces the room with a new room of `request.new_version` and returns its id: 400
    /// `M_UNSUPPORTED_ROOM_VERSION` for an unknown version, 403 without the power to send
    /// `m.room.tombstone`.
    fn upgrade_room(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: upgrade_room::Request,
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;
}
