//! `PUT /_matrix/client/v3/presence/{userId}/status`: set one's presence.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::PresencePort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/presence/{user_id}/status",
        "/_matrix/client/v3/presence/{user_id}/status",
    ],
    auth: Auth::AccessToken,
};

/// The body.
#[derive(Clone, Debug, Deserialize)]
pub struct Request {
    /// `online`, `unavailable` or `offline`.
    pub presence: String,
    /// A status message.
    #[serde(default)]
    pub status_msg: Option<String>,
}

/// Sets the presence; answers `{}`.
pub async fn handler<P: PresencePort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(user_id): Path<String>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Value>, MatrixError> {
    port.set_presence(&user, &user_id, &request.presence, request.status_msg)
        .await?;
    Ok(Json(json!({})))
}
