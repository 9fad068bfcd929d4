//! `POST /_matrix/client/v3/rooms/{roomId}/join`: join a room by id.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::{ReasonRequest, RoomMembershipPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/join",
        "/_matrix/client/v3/rooms/{room_id}/join",
    ],
    auth: Auth::AccessToken,
};

/// The response body of both join endpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The joined room.
    pub room_id: String,
}

/// Joins; answers the room id.
pub async fn handler<P: RoomMembershipPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<ReasonRequest>,
) -> Result<Json<Response>, MatrixError> {
    let room_id = port.join_room(&user, &room_id, request.reason, &[]).await?;
    Ok(Json(Response { room_id }))
}
