//! `POST /_matrix/client/v3/rooms/{roomId}/forget`: forget a room one has left; it leaves the
//! caller's room listings and its history becomes unreadable to them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::RoomMembershipPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/forget",
        "/_matrix/client/v3/rooms/{room_id}/forget",
    ],
    auth: Auth::AccessToken,
};

/// Forgets; answers `{}` (the body, if any, is ignored as in Synapse).
pub async fn handler<P: RoomMembershipPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.forget_room(&user, &room_id).await?;
    Ok(Json(Map::new()))
}
