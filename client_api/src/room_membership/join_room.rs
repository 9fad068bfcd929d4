//! `POST /_matrix/client/v3/join/{roomIdOrAlias}`: join a room by id or alias. The `via`
//! query parameters (and the older `server_name`, read too) name servers to join through when
//! this server is not in the room.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
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
    Query(params): Query<Vec<(String, String)>>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<ReasonRequest>,
) -> Result<Json<Response>, MatrixError> {
    let via: Vec<String> = params
        .into_iter()
        .filter(|(key, _)| key == "via" || key == "server_name")
        .map(|(_, server)| server)
        .collect();
    let room_id = port
        .join_room(&user, &room_id_or_alias, request.reason, &via)
        .await?;
    Ok(Json(Response { room_id }))
}
