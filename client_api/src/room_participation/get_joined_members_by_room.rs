//! `GET /_matrix/client/v3/rooms/{roomId}/joined_members`: the room's joined members with
//! their display names and avatars.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::{RoomMember, RoomParticipationPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/joined_members",
        "/_matrix/client/v3/rooms/{room_id}/joined_members",
    ],
    auth: Auth::AccessToken,
};

/// The response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// User id → member.
    pub joined: BTreeMap<String, RoomMember>,
}

/// Answers the members.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
) -> Result<Json<Response>, MatrixError> {
    let joined = port.joined_members(&user, &room_id).await?;
    Ok(Json(Response { joined }))
}
