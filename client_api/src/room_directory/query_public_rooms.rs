//! `POST /_matrix/client/v3/publicRooms`: a page of the published room directory, filtered.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;

use super::{PublicRoomsRequest, PublicRoomsResponse, RoomDirectoryPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::{JsonBodyOrEmpty, QueryParams};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/publicRooms",
        "/_matrix/client/v3/publicRooms",
    ],
    auth: Auth::AccessToken,
};

/// The query parameters.
#[derive(Debug, Deserialize)]
pub struct Query {
    /// The server whose directory to list.
    pub server: Option<String>,
}

/// Answers the page.
pub async fn handler<P: RoomDirectoryPort>(
    State(port): State<Arc<P>>,
    _user: ClientUser,
    QueryParams(query): QueryParams<Query>,
    JsonBodyOrEmpty(mut request): JsonBodyOrEmpty<PublicRoomsRequest>,
) -> Result<Json<PublicRoomsResponse>, MatrixError> {
    request.server = query.server;
    Ok(Json(port.public_rooms(request).await?))
}
