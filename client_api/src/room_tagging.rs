//! Spec module "Room tagging": a user's tags on a room, stored as the room's `m.tag` account
//! data (as in Synapse), so they reach clients through `/sync` like any account data.

pub mod delete_room_tag;
pub mod get_room_tags;
pub mod set_room_tag;

use std::future::Future;

use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the tag handlers need from the engine; another user's tags are 403.
pub trait RoomTaggingPort: Send + Sync + 'static {
    /// The tags: tag name → tag content (e.g. `{"order": 0.5}`).
    fn room_tags(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;

    /// Adds or replaces a tag.
    fn set_room_tag(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
        tag: &str,
        content: Map<String, Value>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// Removes a tag (removing an absent tag succeeds).
    fn delete_room_tag(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
        tag: &str,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;
}
