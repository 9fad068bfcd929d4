//! `POST /_matrix/client/v3/login`: authenticate and get an access token.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SessionPort;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::{ClientIp, JsonBody};
use crate::uia::UserIdentifier;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/client/r0/login", "/_matrix/client/v3/login"],
    auth: Auth::None,
};

/// The request body.
#[derive(Clone, Debug, Deserialize)]
pub struct Request {
    /// The login type, e.g. `m.login.password`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who is logging in.
    pub identifier: Option<UserIdentifier>,
    /// Deprecated: a user id or localpart, instead of `identifier`.
    pub user: Option<String>,
    /// Deprecated: a third-party address, instead of `identifier`.
    pub address: Option<String>,
    /// For `m.login.password`.
    pub password: Option<String>,
    /// The device to log in on; a new one is created if the user has no such device.
    pub device_id: Option<String>,
    /// The name of a newly created device.
    pub initial_device_display_name: Option<String>,
    /// Whether the client supports refresh tokens.
    #[serde(default)]
    pub refresh_token: bool,
}

/// The response body.
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    /// The user's full id.
    pub user_id: String,
    /// The new access token.
    pub access_token: String,
    /// The device the token belongs to.
    pub device_id: String,
    /// Deprecated: the server name.
    pub home_server: String,
    /// Client discovery information, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub well_known: Option<Value>,
    /// A refresh token, if the client asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The access token's lifetime, if it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_ms: Option<u64>,
}

/// Logs in.
pub async fn handler<P: SessionPort>(
    State(port): State<Arc<P>>,
    ClientIp(client_ip): ClientIp,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    port.login(request, client_ip).await.map(Json)
}
