//! `POST /_matrix/client/v3/rooms/{roomId}/leave`: leave a room, reject an invite or retract
//! a knock.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::{ReasonRequest, RoomMembershipPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/leave",
        "/_matrix/client/v3/rooms/{room_id}/leave",
    ],
    auth: Auth::AccessToken,
};

/// Leaves; answers `{}`.
pub async fn handler<P: RoomMembershipPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<ReasonRequest>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.leave_room(&user, &room_id, request.reason).await?;
    Ok(Json(Map::new()))
}
