//! `PUT /_matrix/client/v3/directory/list/room/{roomId}`: publish a room in the directory or
//! withdraw it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::{empty, DirectoryVisibility, RoomDirectoryPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/directory/list/room/{room_id}",
        "/_matrix/client/v3/directory/list/room/{room_id}",
    ],
    auth: Auth::AccessToken,
};

/// The request body; `visibility` defaults to `public` (as Synapse).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Request {
    /// `public` or `private`.
    pub visibility: Option<DirectoryVisibility>,
}

/// Sets the visibility; answers `{}`.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<Request>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    let visibility = request.visibility.unwrap_or(DirectoryVisibility::Public);
    port.set_room_visibility(&user, &room_id, visibility)
        .await?;
    Ok(Json(empty()))
}
