//! `PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId}`: start or stop typing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::TypingPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/typing/{user_id}",
        "/_matrix/client/v3/rooms/{room_id}/typing/{user_id}",
    ],
    auth: Auth::AccessToken,
};

/// The body.
#[derive(Clone, Debug, Deserialize)]
pub struct Request {
    /// Whether the user is typing.
    pub typing: bool,
    /// How long the notice lasts, in ms (when `typing`).
    #[serde(default)]
    pub timeout: Option<u64>,
}

/// Sets the typing state; answers `{}`.
pub async fn handler<P: TypingPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((room_id, user_id)): Path<(String, String)>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Value>, MatrixError> {
    port.set_typing(&user, &room_id, &user_id, request.typing, request.timeout)
        .await?;
    Ok(Json(json!({})))
}
