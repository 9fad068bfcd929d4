//! `PUT /_matrix/client/v3/devices/{deviceId}`: rename one of the caller's devices. Creating
//! devices this way is for application services only, so an unknown device is 404.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::DevicesPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/devices/{device_id}",
        "/_matrix/client/v3/devices/{device_id}",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The new name; absent leaves it unchanged.
    pub display_name: Option<String>,
}

/// Renames; answers `{}`.
pub async fn handler<P: DevicesPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(device_id): Path<String>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.update_device(&user, &device_id, request.display_name)
        .await?;
    Ok(Json(Map::new()))
}
