//! `GET /_matrix/client/v3/directory/room/{roomAlias}`: resolve an alias (no access token
//! needed, as in Synapse).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;

use super::{AliasResolution, RoomDirectoryPort};
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/directory/room/{room_alias}",
        "/_matrix/client/v3/directory/room/{room_alias}",
    ],
    auth: Auth::None,
};

/// Answers `room_id` and `servers`.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    Path(room_alias): Path<String>,
) -> Result<Json<AliasResolution>, MatrixError> {
    Ok(Json(port.room_alias(&room_alias).await?))
}
