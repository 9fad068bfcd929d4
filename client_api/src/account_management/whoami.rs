//! `GET /_matrix/client/v3/account/whoami`: who owns this access token.

use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/account/whoami",
        "/_matrix/client/v3/account/whoami",
    ],
    auth: Auth::AccessToken,
};

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// The token's user.
    pub user_id: String,
    /// The token's device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Guest accounts are not supported: always `false`.
    pub is_guest: bool,
}

/// Answers from the authenticated caller; no port call needed.
pub async fn handler(user: ClientUser) -> Json<Response> {
    Json(Response {
        user_id: user.user_id,
        device_id: user.device_id,
        is_guest: false,
    })
}
