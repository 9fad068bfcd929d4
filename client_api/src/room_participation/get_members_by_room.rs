//! `GET /_matrix/client/v3/rooms/{roomId}/members`: the room's member events, now or at a
//! pagination token, optionally only (or all but) one membership.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::RoomParticipationPort;
use crate::auth::ClientUser;
use crate::client_event::ClientEvent;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/members",
        "/_matrix/client/v3/rooms/{room_id}/members",
    ],
    auth: Auth::AccessToken,
};

/// The query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Request {
    /// A pagination token: the members at that point of the timeline.
    pub at: Option<String>,
    /// Only members with this membership.
    pub membership: Option<String>,
    /// Only members without this membership.
    pub not_membership: Option<String>,
}

/// The response body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    /// The member events.
    pub chunk: Vec<ClientEvent>,
}

/// Answers the member events.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    QueryParams(request): QueryParams<Request>,
) -> Result<Json<Response>, MatrixError> {
    let chunk = port.room_members(&user, &room_id, request).await?;
    Ok(Json(Response { chunk }))
}
