//! `POST /_matrix/client/v3/keys/device_signing/upload`: publish the caller's cross-signing
//! keys, behind user-interactive auth once a master key exists.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::KeysPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::uia::{AuthData, UiaError};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/v3/keys/device_signing/upload",
        "/_matrix/client/unstable/keys/device_signing/upload",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// The master key.
    #[serde(default)]
    pub master_key: Option<Map<String, Value>>,
    /// The self-signing key, signed by the master key.
    #[serde(default)]
    pub self_signing_key: Option<Map<String, Value>>,
    /// The user-signing key, signed by the master key.
    #[serde(default)]
    pub user_signing_key: Option<Map<String, Value>>,
    /// User-interactive auth.
    #[serde(default)]
    pub auth: Option<AuthData>,
}

/// Stores the keys; answers `{}`.
pub async fn handler<P: KeysPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Map<String, Value>>, UiaError> {
    let operation = "POST /keys/device_signing/upload".to_owned();
    port.upload_cross_signing_keys(&user, request, operation)
        .await?;
    Ok(Json(Map::new()))
}
