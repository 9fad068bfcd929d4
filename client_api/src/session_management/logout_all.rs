//! `POST /_matrix/client/v3/logout/all`: invalidate every access token of the user.

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
    paths: &[
        "/_matrix/client/r0/logout/all",
        "/_matrix/client/v3/logout/all",
    ],
    auth: Auth::AccessToken,
};

/// Logs every device of the caller out; answers `{}`.
pub async fn handler<P: SessionPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.logout_all(&user).await.map(|()| Json(Map::new()))
}
