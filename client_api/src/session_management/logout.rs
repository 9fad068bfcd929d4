//! `POST /_matrix/client/v3/logout`: invalidate the access token and delete its device.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::SessionPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/client/r0/logout", "/_matrix/client/v3/logout"],
    auth: Auth::AccessToken,
};

/// Logs the caller's device out; answers `{}`.
pub async fn handler<P: SessionPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.logout(&user).await.map(|()| Json(Map::new()))
}
