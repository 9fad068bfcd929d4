//! `POST /_matrix/client/v3/rooms/{roomId}/upgrade`: replace a room with one of another room
//! version.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::RoomUpgradePort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/upgrade",
        "/_matrix/client/v3/rooms/{room_id}/upgrade",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Request {
    /// The new room's version.
    pub new_version: String,
    /// More creators of the new room, for versions with additional creators (ignored by
    /// others).
    #[serde(default)]
    pub additional_creators: Vec<String>,
}

/// The response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The new room's id.
    pub replacement_room: String,
}

/// Upgrades; answers the new room's id.
pub async fn handler<P: RoomUpgradePort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    let replacement_room = port.upgrade_room(&user, &room_id, request).await?;
    Ok(Json(Response { replacement_room }))
}
