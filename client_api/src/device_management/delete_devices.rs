//! `POST /_matrix/client/v3/delete_devices`: delete several devices (behind UIA).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::DevicesPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::uia::{AuthData, UiaError};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/delete_devices",
        "/_matrix/client/v3/delete_devices",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The UIA auth dict.
    pub auth: Option<AuthData>,
    /// The devices to delete.
    pub devices: Vec<String>,
}

/// Deletes the devices; answers `{}`.
pub async fn handler<P: DevicesPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Map<String, Value>>, UiaError> {
    // The session is bound to the exact list, so a client cannot widen it mid-way.
    let operation = format!("POST /delete_devices {:?}", request.devices);
    port.delete_devices(&user, request.devices, request.auth, operation)
        .await?;
    Ok(Json(Map::new()))
}
