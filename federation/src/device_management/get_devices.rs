//! `GET /_matrix/federation/v1/user/devices/{userId}`: a local user's devices with their keys
//! and display names, and the user's current device list `stream_id`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::Value;

use crate::auth::Origin;
use crate::end_to_end_encryption::DeviceKeysPort;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/user/devices/{user_id}"],
    auth: Auth::XMatrix,
};

/// `{user_id, stream_id, devices}`.
pub async fn handler<P: DeviceKeysPort>(
    State(port): State<Arc<P>>,
    _origin: Origin,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, MatrixError> {
    Ok(Json(port.user_devices(&user_id).await?))
}
