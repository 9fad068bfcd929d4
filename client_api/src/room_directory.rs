//! Spec module "Room directory" (client-server API § "Room aliases", "Room directory"):
//! aliases, a room's visibility in the published room directory, and the directory itself.

pub mod delete_room_alias;
pub mod get_local_aliases;
pub mod get_public_rooms;
pub mod get_room_id_by_alias;
pub mod get_room_visibility;
pub mod query_public_rooms;
pub mod set_room_alias;
pub mod set_room_visibility;

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::ClientUser;
use crate::MatrixError;

/// A room's visibility in the published room directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryVisibility {
    /// Published.
    Public,
    /// Not published.
    Private,
}

/// `filter` of `POST /publicRooms`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PublicRoomsFilter {
    /// Case-insensitive text looked for in the name, topic and canonical alias.
    pub generic_search_term: Option<String>,
    /// Room types to list (`null` for rooms without a type); absent lists every type.
    pub room_types: Option<Vec<Option<String>>>,
}

/// What `GET` and `POST /publicRooms` ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PublicRoomsRequest {
    /// At most this many rooms.
    pub limit: Option<u64>,
    /// A `next_batch` or `prev_batch` token.
    pub since: Option<String>,
    /// The server whose directory is listed (this one by default).
    #[serde(skip)]
    pub server: Option<String>,
    /// The filter (`POST` only).
    #[serde(default)]
    pub filter: PublicRoomsFilter,
    /// Include every application service network as well (`POST` only).
    #[serde(default)]
    pub include_all_networks: bool,
    /// One third-party network (`POST` only).
    pub third_party_instance_id: Option<String>,
}

/// One published room.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PublicRoomsChunk {
    /// The room id.
    pub room_id: String,
    /// `m.room.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `m.room.topic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// `m.room.canonical_alias`'s `alias`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_alias: Option<String>,
    /// Joined members.
    pub num_joined_members: i64,
    /// History visibility is `world_readable`.
    pub world_readable: bool,
    /// Guest access is `can_join`.
    pub guest_can_join: bool,
    /// `m.room.avatar`'s `url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// The join rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_rule: Option<String>,
    /// The create event's `type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_type: Option<String>,
}

/// A page of the directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PublicRoomsResponse {
    /// The rooms.
    pub chunk: Vec<PublicRoomsChunk>,
    /// The token for the next page, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_batch: Option<String>,
    /// The token for the previous page, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_batch: Option<String>,
    /// How many rooms the directory holds.
    pub total_room_count_estimate: u64,
}

/// The response of `GET /directory/room/{roomAlias}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AliasResolution {
    /// The room the alias points to.
    pub room_id: String,
    /// Servers to join it through.
    pub servers: Vec<String>,
}

/// What the room directory handlers need from the engine.
pub trait RoomDirectoryPort: Send + Sync + 'static {
    /// Creates an alias of this server for a room the caller is in: 400 `M_INVALID_PARAM` for an
    /// invalid or foreign alias, 409 when it exists.
    fn set_room_alias(
        &self,
        user: &ClientUser,
        alias: &str,
        room_id: &str,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// Resolves an alias: 404 `M_NOT_FOUND` when unknown.
    fn room_alias(
        &self,
        alias: &str,
    ) -> impl Future<Output = Result<AliasResolution, MatrixError>> + Send;

    /// Deletes an alias (its creator or a room admin): 404 when unknown, 403 otherwise.
    fn delete_room_alias(
        &self,
        user: &ClientUser,
        alias: &str,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// The room's local aliases (members, or anyone in `world_readable` rooms; else 403).
    fn local_aliases(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> impl Future<Output = Result<Vec<String>, MatrixError>> + Send;

    /// The room's directory visibility: 404 for an unknown room.
    fn room_visibility(
        &self,
        room_id: &str,
    ) -> impl Future<Output = Result<DirectoryVisibility, MatrixError>> + Send;

    /// Publishes or withdraws the room (room admins and server admins; else 403).
    fn set_room_visibility(
        &self,
        user: &ClientUser,
        room_id: &str,
        visibility: DirectoryVisibility,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// A page of the published room directory.
    fn public_rooms(
        &self,
        request: PublicRoomsRequest,
    ) -> impl Future<Output = Result<PublicRoomsResponse, MatrixError>> + Send;
}

/// The `visibility` body of `PUT /directory/list/room/{roomId}` and the response of `GET`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibilityBody {
    /// `public` or `private`.
    pub visibility: DirectoryVisibility,
}

/// An empty JSON object.
fn empty() -> serde_json::Map<String, Value> {
    serde_json::Map::new()
}
