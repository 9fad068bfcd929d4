//! `POST /_matrix/client/v3/keys/query`: the device keys of users, local or on other servers.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Failures, KeysPort, PerDevice};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/keys/query",
        "/_matrix/client/v3/keys/query",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// The devices wanted per user; an empty list means all of the user's devices.
    pub device_keys: BTreeMap<String, Vec<String>>,
    /// How long to wait for other servers, in ms (default 10 s).
    #[serde(default)]
    pub timeout: Option<u64>,
}

/// The response body.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Response {
    /// The servers that could not be reached, with why.
    pub failures: Failures,
    /// The device keys by user and device, each with `unsigned.device_display_name`.
    pub device_keys: PerDevice<Value>,
    /// Cross-signing master keys by user.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub master_keys: BTreeMap<String, Value>,
    /// Cross-signing self-signing keys by user.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub self_signing_keys: BTreeMap<String, Value>,
    /// The caller's own user-signing key.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub user_signing_keys: BTreeMap<String, Value>,
}

/// Queries the keys.
pub async fn handler<P: KeysPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    Ok(Json(port.query_keys(&user, request).await?))
}
