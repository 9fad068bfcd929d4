//! `POST /_matrix/client/v3/join/{roomIdOrAlias}`: join a room by id or alias (aliases of this
//! server; others need federation). The `via` (`server_name`) query parameters name servers to
//! join through; they are accepted, but only rooms this server is in can be joined so far, so
//! they are not read.

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
        "/_matrix/client/r0/join/{room_id_or_alias}",
        "/_matrix/client/v3/join/{room_id_or_alias}",
    ],
    auth: Auth::AccessToken,
};

/// Joins; answers the room id.
pub async fn handler<P: RoomMembershipPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id_or_alias): Path<String>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<ReasonRequest>,
) -> Result<Json<Response>, MatrixError> {
    let room_id = port
        .join_room(&user, &room_id_or_alias, request.reason)
        .await?;
    Ok(Json(Response { room_id }))
}
