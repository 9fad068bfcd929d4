//! `GET /_matrix/client/v3/devices`: the caller's devices.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::{Device, DevicesPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/client/r0/devices", "/_matrix/client/v3/devices"],
    auth: Auth::AccessToken,
};

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// Every device of the user.
    pub devices: Vec<Device>,
}

/// Lists the devices.
pub async fn handler<P: DevicesPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
) -> Result<Json<Response>, MatrixError> {
    let devices = port.devices(&user).await?;
    Ok(Json(Response { devices }))
}
