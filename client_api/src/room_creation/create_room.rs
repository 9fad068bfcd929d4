//! `POST /_matrix/client/v3/createRoom`: create a room with a preset, initial state, a name,
//! a topic and invites.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::RoomCreationPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/createRoom",
        "/_matrix/client/v3/createRoom",
    ],
    auth: Auth::AccessToken,
};

/// A preset: a set of initial state events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Invite only, history shared, guests can join.
    PrivateChat,
    /// As `private_chat`, and every invitee gets the creator's power.
    TrustedPrivateChat,
    /// Anyone can join, guests cannot.
    PublicChat,
}

/// Whether the room is published in the room directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Published.
    Public,
    /// Not published (the default).
    Private,
}

/// One `initial_state` entry.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct InitialStateEvent {
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The state key (default `""`).
    #[serde(default)]
    pub state_key: String,
    /// The content.
    pub content: Map<String, Value>,
}

/// The request body.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Request {
    /// Extra keys for the `m.room.create` content.
    pub creation_content: Option<Map<String, Value>>,
    /// State events sent after the preset's.
    #[serde(default)]
    pub initial_state: Vec<InitialStateEvent>,
    /// Users to invite.
    #[serde(default)]
    pub invite: Vec<String>,
    /// Third-party invites (not supported).
    #[serde(default)]
    pub invite_3pid: Vec<Value>,
    /// Flags the invites as direct chats.
    #[serde(default)]
    pub is_direct: bool,
    /// The room name.
    pub name: Option<String>,
    /// Top-level keys replacing those of the default `m.room.power_levels` content.
    pub power_level_content_override: Option<Map<String, Value>>,
    /// The preset; by default `public_chat` for public rooms, `private_chat` otherwise.
    pub preset: Option<Preset>,
    /// The local part of an alias to create (not supported yet).
    pub room_alias_name: Option<String>,
    /// The room version; the server's default if absent.
    pub room_version: Option<String>,
    /// The room topic.
    pub topic: Option<String>,
    /// Directory visibility.
    pub visibility: Option<Visibility>,
}

/// The response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The new room's id.
    pub room_id: String,
}

/// Creates the room.
pub async fn handler<P: RoomCreationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    let room_id = port.create_room(&user, request).await?;
    Ok(Json(Response { room_id }))
}
