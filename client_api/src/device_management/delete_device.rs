//! `DELETE /_matrix/client/v3/devices/{deviceId}`: delete a device (behind UIA).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::DevicesPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::uia::{AuthData, UiaError};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::DELETE,
    paths: &[
        "/_matrix/client/r0/devices/{device_id}",
        "/_matrix/client/v3/devices/{device_id}",
    ],
    auth: Auth::AccessToken,
};

/// The request body (may be empty).
#[derive(Debug, Default, Deserialize)]
pub struct Request {
    /// The UIA auth dict.
    pub auth: Option<AuthData>,
}

/// Deletes the device (an unknown device counts as deleted); answers `{}`.
pub async fn handler<P: DevicesPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(device_id): Path<String>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<Request>,
) -> Result<Json<Map<String, Value>>, UiaError> {
    let operation = format!("DELETE /devices/{device_id}");
    port.delete_devices(&user, vec![device_id], request.auth, operation)
        .await?;
    Ok(Json(Map::new()))
}
