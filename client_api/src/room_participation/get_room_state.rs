//! `GET /_matrix/client/v3/rooms/{roomId}/state`: every state event of the room's current
//! state (for a user who left: the state when they left).

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
        "/_matrix/client/r0/rooms/{room_id}/state",
        "/_matrix/client/v3/rooms/{room_id}/state",
    ],
    auth: Auth::AccessToken,
};

/// Answers the state events.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
) -> Result<Json<Vec<ClientEvent>>, MatrixError> {
    port.room_state(&user, &room_id).await.map(Json)
}
