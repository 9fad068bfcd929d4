//! `DELETE /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}`: remove a tag.

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
    method: MethodFilter::DELETE,
    paths: &[
        "/_matrix/client/r0/user/{user_id}/rooms/{room_id}/tags/{tag}",
        "/_matrix/client/v3/user/{user_id}/rooms/{room_id}/tags/{tag}",
    ],
    auth: Auth::AccessToken,
};

/// Removes the tag; answers `{}`.
pub async fn handler<P: RoomTaggingPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, room_id, tag)): Path<(String, String, String)>,
) -> Result<Json<Value>, MatrixError> {
    port.delete_room_tag(&user, &user_id, &room_id, &tag)
        .await?;
    Ok(Json(json!({})))
}
