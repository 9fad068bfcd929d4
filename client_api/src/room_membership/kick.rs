//! `POST /_matrix/client/v3/rooms/{roomId}/kick`: make a joined, invited or knocking user
//! leave (needs the kick level).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::{MembershipAction, RoomMembershipPort, TargetRequest};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/kick",
        "/_matrix/client/v3/rooms/{room_id}/kick",
    ],
    auth: Auth::AccessToken,
};

/// Changes the target's membership; answers `{}`.
pub async fn handler<P: RoomMembershipPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    JsonBody(request): JsonBody<TargetRequest>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.change_membership(&user, &room_id, MembershipAction::Kick, request)
        .await?;
    Ok(Json(Map::new()))
}
