//! `PUT /_matrix/client/v3/directory/room/{roomAlias}`: create an alias of this server.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{empty, RoomDirectoryPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/directory/room/{room_alias}",
        "/_matrix/client/v3/directory/room/{room_alias}",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The room the alias points to.
    pub room_id: String,
}

/// Creates the alias; answers `{}`.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_alias): Path<String>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.set_room_alias(&user, &room_alias, &request.room_id)
        .await?;
    Ok(Json(empty()))
}
