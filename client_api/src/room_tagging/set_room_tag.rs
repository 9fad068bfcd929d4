//! `PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}`: add a tag.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Map, Value};

use super::RoomTaggingPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/user/{user_id}/rooms/{room_id}/tags/{tag}",
        "/_matrix/client/v3/user/{user_id}/rooms/{room_id}/tags/{tag}",
    ],
    auth: Auth::AccessToken,
};

/// Stores the tag with its content (`order` and anything else the client sends).
pub async fn handler<P: RoomTaggingPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, room_id, tag)): Path<(String, String, String)>,
    JsonBody(content): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, MatrixError> {
    port.set_room_tag(&user, &user_id, &room_id, &tag, content)
        .await?;
    Ok(Json(json!({})))
}
