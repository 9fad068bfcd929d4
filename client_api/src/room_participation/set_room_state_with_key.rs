//! `PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}`: send a state event.
//! The state key defaults to `""`, with or without the trailing slash.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::send_message::Response;
use super::RoomParticipationPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/state/{event_type}",
        "/_matrix/client/r0/rooms/{room_id}/state/{event_type}/",
        "/_matrix/client/r0/rooms/{room_id}/state/{event_type}/{state_key}",
        "/_matrix/client/v3/rooms/{room_id}/state/{event_type}",
        "/_matrix/client/v3/rooms/{room_id}/state/{event_type}/",
        "/_matrix/client/v3/rooms/{room_id}/state/{event_type}/{state_key}",
    ],
    auth: Auth::AccessToken,
};

/// The path parameters of the state endpoints.
#[derive(Clone, Debug, Deserialize)]
pub struct StatePath {
    /// The room.
    pub room_id: String,
    /// The event type.
    pub event_type: String,
    /// The state key; absent means `""`.
    #[serde(default)]
    pub state_key: String,
}

/// Sends; answers the event id.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(path): Path<StatePath>,
    JsonBody(content): JsonBody<Map<String, Value>>,
) -> Result<Json<Response>, MatrixError> {
    let event_id = port
        .set_room_state(
            &user,
            &path.room_id,
            &path.event_type,
            &path.state_key,
            content,
        )
        .await?;
    Ok(Json(Response { event_id }))
}
