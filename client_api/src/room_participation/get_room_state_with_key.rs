//! `GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}`: one state event's
//! content, or with `?format=event` the whole client event.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::set_room_state_with_key::StatePath;
use super::RoomParticipationPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
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

/// What to answer with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The event's content (the default).
    #[default]
    Content,
    /// The whole client event.
    Event,
}

/// The query parameters.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Query {
    /// `content` or `event`.
    #[serde(default)]
    pub format: Format,
}

/// Answers the content or the event.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(path): Path<StatePath>,
    QueryParams(query): QueryParams<Query>,
) -> Result<Json<Value>, MatrixError> {
    let event = port
        .room_state_event(&user, &path.room_id, &path.event_type, &path.state_key)
        .await?;
    match query.format {
        Format::Content => Ok(Json(event.content.to_value())),
        Format::Event => serde_json::to_value(event)
            .map(Json)
            .map_err(|_| MatrixError::internal("Internal server error")),
    }
}
