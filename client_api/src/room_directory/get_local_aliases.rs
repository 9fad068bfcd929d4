//! `GET /_matrix/client/v3/rooms/{roomId}/aliases`: the aliases this server holds for a room.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::RoomDirectoryPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/aliases",
        "/_matrix/client/v3/rooms/{room_id}/aliases",
    ],
    auth: Auth::AccessToken,
};

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// The local aliases.
    pub aliases: Vec<String>,
}

/// Answers the aliases.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
) -> Result<Json<Response>, MatrixError> {
    let aliases = port.local_aliases(&user, &room_id).await?;
    Ok(Json(Response { aliases }))
}
