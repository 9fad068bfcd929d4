//! `GET /_matrix/client/v3/devices/{deviceId}`: one of the caller's devices.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;

use super::{Device, DevicesPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/devices/{device_id}",
        "/_matrix/client/v3/devices/{device_id}",
    ],
    auth: Auth::AccessToken,
};

/// Answers the device or 404.
pub async fn handler<P: DevicesPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(device_id): Path<String>,
) -> Result<Json<Device>, MatrixError> {
    port.device(&user, &device_id).await.map(Json)
}
