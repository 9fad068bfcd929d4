//! `GET /_matrix/client/v3/joined_rooms`: the rooms the caller is joined to.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::RoomMembershipPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/joined_rooms",
        "/_matrix/client/v3/joined_rooms",
    ],
    auth: Auth::AccessToken,
};

/// The response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The joined rooms' ids.
    pub joined_rooms: Vec<String>,
}

/// Answers the list.
pub async fn handler<P: RoomMembershipPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
) -> Result<Json<Response>, MatrixError> {
    let joined_rooms = port.joined_rooms(&user).await?;
    Ok(Json(Response { joined_rooms }))
}
