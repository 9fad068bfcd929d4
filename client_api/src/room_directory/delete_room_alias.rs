//! `DELETE /_matrix/client/v3/directory/room/{roomAlias}`: remove an alias.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::{empty, RoomDirectoryPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::DELETE,
    paths: &[
        "/_matrix/client/r0/directory/room/{room_alias}",
        "/_matrix/client/v3/directory/room/{room_alias}",
    ],
    auth: Auth::AccessToken,
};

/// Deletes the alias; answers `{}`.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_alias): Path<String>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.delete_room_alias(&user, &room_alias).await?;
    Ok(Json(empty()))
}
