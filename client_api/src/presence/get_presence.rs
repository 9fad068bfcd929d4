//! `GET /_matrix/client/v3/presence/{userId}/status`: a user's presence.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::PresencePort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/presence/{user_id}/status",
        "/_matrix/client/v3/presence/{user_id}/status",
    ],
    auth: Auth::AccessToken,
};

/// Answers the presence.
pub async fn handler<P: PresencePort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(user_id): Path<String>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.get_presence(&user, &user_id).await.map(Json)
}
