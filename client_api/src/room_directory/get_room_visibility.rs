//! `GET /_matrix/client/v3/directory/list/room/{roomId}`: whether a room is published (no
//! access token needed).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;

use super::{RoomDirectoryPort, VisibilityBody};
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/directory/list/room/{room_id}",
        "/_matrix/client/v3/directory/list/room/{room_id}",
    ],
    auth: Auth::None,
};

/// Answers `{"visibility": …}`.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    Path(room_id): Path<String>,
) -> Result<Json<VisibilityBody>, MatrixError> {
    let visibility = port.room_visibility(&room_id).await?;
    Ok(Json(VisibilityBody { visibility }))
}
