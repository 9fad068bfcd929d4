//! `GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags`: the user's tags on a room.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use super::RoomTaggingPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/user/{user_id}/rooms/{room_id}/tags",
        "/_matrix/client/v3/user/{user_id}/rooms/{room_id}/tags",
    ],
    auth: Auth::AccessToken,
};

/// Answers `{"tags": {…}}`.
pub async fn handler<P: RoomTaggingPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, room_id)): Path<(String, String)>,
) -> Result<Json<Value>, MatrixError> {
    let tags = port.room_tags(&user, &user_id, &room_id).await?;
    Ok(Json(json!({ "tags": tags })))
}
