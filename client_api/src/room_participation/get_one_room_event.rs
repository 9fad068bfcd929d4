//! `GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}`: one event the caller may see.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;

use super::RoomParticipationPort;
use crate::auth::ClientUser;
use crate::client_event::ClientEvent;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/event/{event_id}",
        "/_matrix/client/v3/rooms/{room_id}/event/{event_id}",
    ],
    auth: Auth::AccessToken,
};

/// Answers the event or 404.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((room_id, event_id)): Path<(String, String)>,
) -> Result<Json<ClientEvent>, MatrixError> {
    port.room_event(&user, &room_id, &event_id).await.map(Json)
}
