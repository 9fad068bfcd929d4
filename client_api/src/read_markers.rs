//! Spec module "Fully read markers": `POST /rooms/{roomId}/read_markers`.

pub mod set_read_marker;

use std::future::Future;

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the read marker handler needs from the engine.
pub trait ReadMarkersPort: Send + Sync + 'static {
    /// Moves the `m.fully_read` marker and sends the `m.read`/`m.read.private` receipts given.
    fn set_read_markers(
        &self,
        user: &ClientUser,
        room_id: &str,
        markers: set_read_marker::Request,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;
}
