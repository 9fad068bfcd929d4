//! `POST /_matrix/client/v3/register`: create an account (behind user-interactive auth).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::account_management::AccountsPort;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::{JsonBody, QueryParams};
use crate::uia::{AuthData, UiaError};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/client/r0/register", "/_matrix/client/v3/register"],
    auth: Auth::None,
};

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub struct Query {
    /// `user` (default) or `guest`.
    pub kind: Option<String>,
}

/// The request body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// The UIA auth dict.
    pub auth: Option<AuthData>,
    /// The basis for the localpart; generated if absent.
    pub username: Option<String>,
    /// The password.
    pub password: Option<String>,
    /// The device to create.
    pub device_id: Option<String>,
    /// Its name.
    pub initial_device_display_name: Option<String>,
    /// Register without logging in.
    #[serde(default)]
    pub inhibit_login: bool,
    /// Whether the client supports refresh tokens.
    #[serde(default)]
    pub refresh_token: bool,
}

/// The response body (also that of shared-secret registration).
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    /// The new user's id.
    pub user_id: String,
    /// Deprecated: the server name.
    pub home_server: String,
    /// An access token, unless `inhibit_login`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The device, unless `inhibit_login`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// A refresh token, if asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The access token's lifetime, if it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_ms: Option<u64>,
}

/// Registers.
pub async fn handler<P: AccountsPort>(
    State(port): State<Arc<P>>,
    QueryParams(query): QueryParams<Query>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, UiaError> {
    port.register(query.kind, request).await.map(Json)
}
