//! `POST /_matrix/client/v3/account/password`: change the password (behind UIA).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::AccountsPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::uia::{AuthData, UiaError};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/account/password",
        "/_matrix/client/v3/account/password",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Clone, Debug, Deserialize)]
pub struct Request {
    /// The UIA auth dict.
    pub auth: Option<AuthData>,
    /// The new password.
    pub new_password: String,
    /// Whether the user's other devices are logged out (default `true`).
    #[serde(default = "default_true")]
    pub logout_devices: bool,
}

fn default_true() -> bool {
    true
}

/// Changes the password; answers `{}`.
pub async fn handler<P: AccountsPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Map<String, Value>>, UiaError> {
    port.change_password(&user, request).await?;
    Ok(Json(Map::new()))
}
