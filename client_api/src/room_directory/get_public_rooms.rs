//! `GET /_matrix/client/v3/publicRooms`: a page of the published room directory. Synapse
//! requires an access token unless `allow_public_rooms_without_auth` is set (off by default);
//! so does this server.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;

use super::{PublicRoomsRequest, PublicRoomsResponse, RoomDirectoryPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/publicRooms",
        "/_matrix/client/v3/publicRooms",
    ],
    auth: Auth::AccessToken,
};

/// The query parameters.
#[derive(Debug, Deserialize)]
pub struct Query {
    /// At most this many rooms.
    pub limit: Option<u64>,
    /// A pagination token.
    pub since: Option<String>,
    /// The server whose directory to list.
    pub server: Option<String>,
}

/// Answers the page.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    _user: ClientUser,
    QueryParams(query): QueryParams<Query>,
) -> Result<Json<PublicRoomsResponse>, MatrixError> {
    let request = PublicRoomsRequest {
        limit: query.limit,
        since: query.since,
        server: query.server,
        ..PublicRoomsRequest::default()
    };
    Ok(Json(port.public_rooms(request).await?))
}
