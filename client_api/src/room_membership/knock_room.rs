//! `POST /_matrix/client/v3/knock/{roomIdOrAlias}`: ask to join a room whose join rule allows
//! knocking. As for `/join`, `via` and `server_name` query parameters name servers to knock
//! through; only rooms this server is in can be knocked on so far, so they are not read.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;

use super::join_room_by_id::Response;
use super::{ReasonRequest, RoomMembershipPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/knock/{room_id_or_alias}",
        "/_matrix/client/v3/knock/{room_id_or_alias}",
    ],
    auth: Auth::AccessToken,
};

/// Knocks; answers the room id.
pub async fn handler<P: RoomMembershipPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id_or_alias): Path<String>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<ReasonRequest>,
) -> Result<Json<Response>, MatrixError> {
    let room_id = port
        .knock_room(&user, &room_id_or_alias, request.reason)
        .await?;
    Ok(Json(Response { room_id }))
}
