//! Spec module "Typing Notifications": `PUT /rooms/{roomId}/typing/{userId}`.

pub mod set_typing;

use std::future::Future;

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the typing handler needs from the engine.
pub trait TypingPort: Send + Sync + 'static {
    /// Starts (for `timeout_ms`) or stops the user's typing notice in the room; only for
    /// oneself and in a joined room (403).
    fn set_typing(
        &self,
        user: &ClientUser,
        room_id: &str,
        user_id: &str,
        typing: bool,
        timeout_ms: Option<u64>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;
}
